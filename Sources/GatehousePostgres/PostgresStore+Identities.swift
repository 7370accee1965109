import Gatehouse
import NIOCore
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// The identity linked as (`issuer`, `subject`), if any.
    public func identity(issuer: String, subject: String) async throws -> IdentityRecord? {
        try await withConnection("identity") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.identity) FROM identities WHERE issuer = \(issuer) AND subject = \(subject)",
                on: connection,
                PostgresCodec.identity
            ).first
        }
    }

    /// The account's identities, oldest first; among those linked at the same time, in the order they
    /// were linked.
    public func identities(accountID: String) async throws -> [IdentityRecord] {
        try await withConnection("identities") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.identity) FROM identities WHERE account_id = \(accountID) ORDER BY created_at, seq",
                on: connection,
                PostgresCodec.identity
            )
        }
    }

    /// Creates an account with no password (an empty `password_hash`, which ``passwordHash(accountID:)``
    /// reads as none), its contacts and its identity in one transaction.
    ///
    /// The database's unique constraints decide: a taken username, contact or identity throws
    /// `AccountError.Code.conflict` naming what is taken, and the transaction is rolled back, so nothing
    /// of the account is left behind.
    public func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try await withConnection("create_account_with_identity") { connection in
            try await Self.transaction(on: connection) { connection in
                try await Self.insertAccount(account, passwordHash: "", contacts: contacts, on: connection)
                do {
                    try await connection.query(
                        """
                        INSERT INTO identities (\(unescaped: PostgresCodec.identity))
                        VALUES (\(identity.id), \(account.accountID), \(identity.provider), \(identity.issuer), \(identity.subject),
                                \(identity.email), \(PostgresTime.millis(identity.createdAt)))
                        """,
                        logger: Self.queryLogger
                    )
                } catch let error where PostgresFailure.isUniqueViolation(error) {
                    throw Self.identityConflict(error)
                }
                try await Self.insertAudit(audit, on: connection)
            }
        }
    }

    /// Links the identity to its account, with the audit trail in one transaction; returns whether the
    /// account exists. A linked (issuer, subject) is `AccountError.Code.conflict` (`identityTaken`).
    ///
    /// One statement inserts the identity only when its account is there, holding the account row
    /// (`FOR KEY SHARE`) so that a deletion of the account waits for it, or it for the deletion.
    public func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool {
        try await withConnection("link_identity") { connection in
            try await Self.auditing(audit, on: connection, tookEffect: { $0 }) { connection in
                do {
                    return try await Self.count(
                        """
                        INSERT INTO identities (\(unescaped: PostgresCodec.identity))
                        SELECT \(identity.id), account_id, \(identity.provider), \(identity.issuer), \(identity.subject),
                               \(identity.email), \(PostgresTime.millis(identity.createdAt))
                        FROM accounts WHERE account_id = \(identity.accountID) FOR KEY SHARE
                        RETURNING 1
                        """,
                        on: connection
                    ) > 0
                } catch let error where PostgresFailure.isUniqueViolation(error) {
                    throw Self.identityConflict(error)
                }
            }
        }
    }

    /// Unlinks the account's identity `id` unless the account would be left with no way to log in.
    ///
    /// The account row is locked first (`FOR UPDATE`), so that the decision — a password, another
    /// identity or a passkey — and the deletion happen with no other change of the account in between: two
    /// unlinkings of an account's last two identities run one after the other, and the second finds
    /// the last one.
    public func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await withConnection("unlink_identity") { connection in
            try await Self.transaction(on: connection) { connection in
                guard let hasOtherWay = try await Self.lockingOtherWayToLogIn(accountID, besidesIdentity: id, on: connection),
                    try await Self.count("SELECT 1 FROM identities WHERE id = \(id) AND account_id = \(accountID)", on: connection) > 0
                else { return .notFound }
                guard hasOtherWay else { return .lastWayToLogIn }
                try await connection.query("DELETE FROM identities WHERE id = \(id) AND account_id = \(accountID)", logger: Self.queryLogger)
                try await Self.insertAudit(audit, on: connection)
                return .removed
            }
        }
    }

    /// Replaces the identity's sealed provider tokens (`nil` deletes them); returns whether the identity
    /// exists. The tokens go with the identity: the foreign key cascades when it is unlinked or its
    /// account deleted.
    ///
    /// Each case is one statement. The upsert inserts only when the identity is there, holding its row
    /// (`FOR KEY SHARE`) so that an unlinking waits for it, or it for the unlinking; the deletion reads
    /// whether the identity exists in the same statement.
    public func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool {
        try await withConnection("set_provider_tokens") { connection in
            guard let sealed else {
                return try await Self.count(
                    """
                    WITH deleted AS (DELETE FROM identity_tokens WHERE identity_id = \(identityID))
                    SELECT 1 FROM identities WHERE id = \(identityID)
                    """,
                    on: connection
                ) > 0
            }
            return try await Self.count(
                """
                INSERT INTO identity_tokens (identity_id, sealed, updated_at)
                SELECT id, \(ByteBuffer(bytes: sealed)), \(PostgresTime.millis(date)) FROM identities WHERE id = \(identityID) FOR KEY SHARE
                ON CONFLICT (identity_id) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at
                RETURNING 1
                """,
                on: connection
            ) > 0
        }
    }

    /// The identity's sealed provider tokens, if any.
    public func providerTokens(identityID: String) async throws -> [UInt8]? {
        try await withConnection("provider_tokens") { connection in
            try await Self.records("SELECT sealed FROM identity_tokens WHERE identity_id = \(identityID)", on: connection) { cursor in
                try cursor.nextBytes()
            }.first
        }
    }

    /// What a unique violation inserting an identity means: a taken id, or else a linked (issuer, subject).
    private static func identityConflict(_ error: any Error) -> AccountError {
        PostgresFailure.isUniqueViolation(error, constraint: "identities_pkey")
            ? AccountError.conflict(.idTaken) : AccountError.conflict(.identityTaken)
    }
}
