import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Stores a challenge, after deleting the ones that expired before its `createdAt`, in one
    /// transaction: the unauthenticated ceremony that creates challenges is also what sweeps them, so
    /// the table holds no more than the challenges of one lifetime.
    ///
    /// A digest taken already is `AccountError.Code.conflict` (`idTaken`), and a challenge for an
    /// account that does not exist is `AccountError.Code.userNotFound` (the foreign key).
    public func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws {
        try await write("insert_passkey_challenge") { db in
            try db.execute(sql: "DELETE FROM passkey_challenges WHERE expires_at < ?", arguments: [SQLiteCodec.millis(challenge.createdAt)])
            try db.execute(
                sql: "INSERT INTO passkey_challenges (\(SQLiteCodec.passkeyChallengeColumns)) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: SQLiteCodec.passkeyChallengeArguments(challenge)
            )
        }
    }

    /// Deletes the challenge with this digest and purpose and returns it when it had not expired at
    /// `date`; an expired one is deleted all the same.
    ///
    /// The challenge is read and deleted in one write transaction, and returned only when the
    /// `DELETE` removed it: of two concurrent calls, exactly one changes the row. (`DELETE … RETURNING`
    /// would say it in one statement, but needs SQLite 3.35, which the schema does not assume.)
    public func consumePasskeyChallenge(
        hash: [UInt8],
        purpose: PasskeyChallengeRecord.Purpose,
        at date: Date
    ) async throws -> PasskeyChallengeRecord? {
        try await write("consume_passkey_challenge") { db in
            let arguments: StatementArguments = [SQLiteCodec.blob(hash), purpose.rawValue]
            let row = try Row.fetchOne(
                db,
                sql: "SELECT \(SQLiteCodec.passkeyChallengeColumns) FROM passkey_challenges WHERE hash = ? AND purpose = ?",
                arguments: arguments
            )
            guard let row else { return nil }
            try db.execute(sql: "DELETE FROM passkey_challenges WHERE hash = ? AND purpose = ?", arguments: arguments)
            guard db.changesCount == 1 else { return nil }
            let challenge = try SQLiteCodec.passkeyChallenge(row)
            return SQLiteCodec.millis(challenge.expiresAt) > SQLiteCodec.millis(date) ? challenge : nil
        }
    }

    /// The account's passkeys, oldest first; among those registered at the same time, in the order
    /// they were registered.
    public func passkeys(accountID: String) async throws -> [PasskeyRecord] {
        try await read("passkeys") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteCodec.passkeyColumns) FROM passkeys WHERE account_id = ? ORDER BY created_at, rowid",
                arguments: [accountID]
            ).map { try SQLiteCodec.passkey($0) }
        }
    }

    /// The passkey with this credential id, whichever account it belongs to.
    public func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord? {
        try await read("passkey") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(SQLiteCodec.passkeyColumns) FROM passkeys WHERE credential_id = ?")
            return try Row.fetchOne(statement, arguments: [SQLiteCodec.blob(credentialID)]).map { try SQLiteCodec.passkey($0) }
        }
    }

    /// Stores a new passkey with the trail in one transaction; returns `false`, writing nothing, when
    /// its credential id (or its id) is taken or the account does not exist.
    ///
    /// The account is looked up in the write transaction of the insert, which `ON CONFLICT DO NOTHING`
    /// turns into no change when the credential id is registered already, to this account or another;
    /// SQLite runs one write transaction at a time, so nothing slips in between.
    public func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool {
        try await write("insert_passkey") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [passkey.accountID]) ?? false else {
                return false
            }
            try db.execute(
                sql: "INSERT INTO passkeys (\(SQLiteCodec.passkeyColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: SQLiteCodec.passkeyArguments(passkey)
            )
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// Records a use with one conditional `UPDATE`: the new sign count and `date` as last use, only when
    /// the count keeps `PasskeyRecord.acceptsSignCount(_:)` against the stored one — both zero, or
    /// greater. Of two concurrent uses reporting the same non-zero count, one succeeds. Returns whether it did.
    public func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool {
        try await write("use_passkey") { db in
            let count = Int64(signCount)
            try db.execute(
                sql: """
                    UPDATE passkeys SET sign_count = ?, last_used_at = ?
                    WHERE id = ? AND ((sign_count = 0 AND ? = 0) OR sign_count < ?)
                    """,
                arguments: [count, SQLiteCodec.millis(date), id, count, count]
            )
            return db.changesCount == 1
        }
    }

    /// Deletes the account's passkey with this id, with the trail in the same transaction, unless the
    /// account would be left with no way to log in, decided in that write transaction. Another
    /// account's passkey is left alone.
    public func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await write("delete_passkey") { db in
            let owned = try Bool.fetchOne(db, sql: "SELECT 1 FROM passkeys WHERE id = ? AND account_id = ?", arguments: [id, accountID]) ?? false
            guard owned else { return .notFound }
            guard try Self.hasOtherWayToLogIn(accountID, passkey: id, in: db) else { return .lastWayToLogIn }
            try db.execute(sql: "DELETE FROM passkeys WHERE id = ? AND account_id = ?", arguments: [id, accountID])
            try Self.insertAudit(audit, in: db)
            return .removed
        }
    }
}
