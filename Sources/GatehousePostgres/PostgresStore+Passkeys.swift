import Gatehouse
import NIOCore
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// Stores a challenge and deletes the ones that expired before its `createdAt`, in one statement:
    /// the unauthenticated ceremony that creates challenges is also what sweeps them, so the table holds
    /// no more than the challenges of one lifetime.
    ///
    /// A digest taken already is `AccountError.Code.conflict` (`idTaken`), and a challenge for an
    /// account that does not exist is `AccountError.Code.userNotFound` (the foreign key); then nothing
    /// is written, the sweep included.
    public func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws {
        try await withConnection("insert_passkey_challenge") { connection in
            do {
                try await connection.query(
                    """
                    WITH swept AS (DELETE FROM passkey_challenges WHERE expires_at < \(PostgresTime.millis(challenge.createdAt)))
                    INSERT INTO passkey_challenges (\(unescaped: PostgresCodec.passkeyChallenge))
                    VALUES (\(ByteBuffer(bytes: challenge.hash)), \(challenge.purpose.rawValue), \(challenge.accountID), \(challenge.sessionID),
                            \(PostgresTime.millis(challenge.createdAt)), \(PostgresTime.millis(challenge.expiresAt)))
                    """,
                    logger: Self.queryLogger
                )
            } catch let error where PostgresFailure.violation(error) != nil {
                if PostgresFailure.isUniqueViolation(error) {
                    throw AccountError.conflict(.idTaken)
                }
                throw AccountError.userNotFound
            }
        }
    }

    /// Deletes the challenge with this digest and purpose and returns it when it had not expired at
    /// `date`; an expired one is deleted all the same.
    ///
    /// The `DELETE … RETURNING` is the claim: of two servers consuming the same challenge at once,
    /// exactly one gets the row back.
    public func consumePasskeyChallenge(
        hash: [UInt8],
        purpose: PasskeyChallengeRecord.Purpose,
        at date: Date
    ) async throws -> PasskeyChallengeRecord? {
        let deleted = try await withConnection("consume_passkey_challenge") { connection in
            try await Self.records(
                """
                DELETE FROM passkey_challenges WHERE hash = \(ByteBuffer(bytes: hash)) AND purpose = \(purpose.rawValue)
                RETURNING \(unescaped: PostgresCodec.passkeyChallenge)
                """,
                on: connection,
                PostgresCodec.passkeyChallenge
            ).first
        }
        guard let deleted, PostgresTime.millis(deleted.expiresAt) > PostgresTime.millis(date) else { return nil }
        return deleted
    }

    /// The account's passkeys, oldest first; among those registered at the same time, in the order
    /// they were registered.
    public func passkeys(accountID: String) async throws -> [PasskeyRecord] {
        try await withConnection("passkeys") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.passkey) FROM passkeys WHERE account_id = \(accountID) ORDER BY created_at, seq",
                on: connection,
                PostgresCodec.passkey
            )
        }
    }

    /// The passkey with this credential id, whichever account it belongs to.
    public func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord? {
        try await withConnection("passkey") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.passkey) FROM passkeys WHERE credential_id = \(ByteBuffer(bytes: credentialID))",
                on: connection,
                PostgresCodec.passkey
            ).first
        }
    }

    /// Stores a new passkey with the trail in one transaction; returns `false`, writing nothing, when
    /// its credential id (or its id) is taken or the account does not exist.
    ///
    /// One statement decides: it inserts only when the account is there, holding its row (`FOR KEY
    /// SHARE`) so that a deletion of the account waits for it, or it for the deletion, and `ON CONFLICT
    /// DO NOTHING` turns a credential id registered already, to this account or another, into no row.
    public func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool {
        try await withConnection("insert_passkey") { connection in
            try await Self.auditing(audit, on: connection, tookEffect: { $0 }) { connection in
                try await Self.count(
                    """
                    INSERT INTO passkeys (\(unescaped: PostgresCodec.passkey))
                    SELECT \(passkey.id), account_id, \(ByteBuffer(bytes: passkey.credentialID)), \(ByteBuffer(bytes: passkey.publicKey)),
                           \(Int64(passkey.signCount)), \(passkey.name), \(PostgresTime.millis(passkey.createdAt)),
                           \(passkey.lastUsedAt.map(PostgresTime.millis))
                    FROM accounts WHERE account_id = \(passkey.accountID) FOR KEY SHARE
                    ON CONFLICT DO NOTHING
                    RETURNING 1
                    """,
                    on: connection
                ) > 0
            }
        }
    }

    /// Records a use with one conditional `UPDATE`: the new sign count and `date` as last use, only when
    /// the count keeps `PasskeyRecord.acceptsSignCount(_:)` against the stored one — both zero, or
    /// greater. Of two servers recording the same non-zero count at once, one succeeds: the second
    /// waits for the first's row lock and then finds the count no longer lower. Returns whether it did.
    public func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool {
        let count = Int64(signCount)
        return try await withConnection("use_passkey") { connection in
            try await Self.count(
                """
                UPDATE passkeys SET sign_count = \(count), last_used_at = \(PostgresTime.millis(date))
                WHERE id = \(id) AND ((sign_count = 0 AND \(count) = 0) OR sign_count < \(count))
                RETURNING 1
                """,
                on: connection
            ) > 0
        }
    }

    /// Deletes the account's passkey with this id, with the trail in the same transaction, unless the
    /// account would be left with no way to log in. The account row is locked first (`FOR UPDATE`), as
    /// for unlinking an identity, so the decision and the deletion see the same account. Another
    /// account's passkey is left alone.
    public func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await withConnection("delete_passkey") { connection in
            try await Self.transaction(on: connection) { connection in
                guard let hasOtherWay = try await Self.lockingOtherWayToLogIn(accountID, passkey: id, on: connection),
                    try await Self.count("SELECT 1 FROM passkeys WHERE id = \(id) AND account_id = \(accountID)", on: connection) > 0
                else { return .notFound }
                guard hasOtherWay else { return .lastWayToLogIn }
                try await connection.query("DELETE FROM passkeys WHERE id = \(id) AND account_id = \(accountID)", logger: Self.queryLogger)
                try await Self.insertAudit(audit, on: connection)
                return .removed
            }
        }
    }
}
