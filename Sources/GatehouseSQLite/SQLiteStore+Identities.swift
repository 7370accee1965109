import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// The identity linked as (`issuer`, `subject`), if any.
    public func identity(issuer: String, subject: String) async throws -> IdentityRecord? {
        try await read("identity") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(SQLiteCodec.identityColumns) FROM identities WHERE issuer = ? AND subject = ?")
            return try Row.fetchOne(statement, arguments: [issuer, subject]).map { try SQLiteCodec.identity($0) }
        }
    }

    /// The account's identities, oldest first; among those linked at the same time, in the order they
    /// were linked.
    public func identities(accountID: String) async throws -> [IdentityRecord] {
        try await read("identities") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteCodec.identityColumns) FROM identities WHERE account_id = ? ORDER BY created_at, rowid",
                arguments: [accountID]
            ).map { try SQLiteCodec.identity($0) }
        }
    }

    /// Creates an account with no password (an empty `password_hash`, which ``passwordHash(accountID:)``
    /// reads as none), its contacts and its identity in one transaction.
    ///
    /// The database's unique constraints decide: a taken username, contact or identity throws
    /// `AccountError.Code.conflict` naming what is taken, and the transaction is rolled back, so nothing
    /// of the account is left behind.
    public func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws {
        let permissions = try SQLiteCodec.encodePermissions(account.permissions)
        try await write("create_account_with_identity") { db in
            try Self.insertAccount(account, permissions: permissions, passwordHash: "", contacts: contacts, in: db)
            try Self.insertIdentity(identity, accountID: account.accountID, in: db)
            try Self.insertAudit(audit, in: db)
        }
    }

    /// Links the identity to its account in one transaction with the audit trail; returns whether the
    /// account exists. A linked (issuer, subject) is `AccountError.Code.conflict` (`identityTaken`).
    public func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool {
        try await write("link_identity") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [identity.accountID]) ?? false else {
                return false
            }
            try Self.insertIdentity(identity, accountID: identity.accountID, in: db)
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// Unlinks the account's identity `id` unless the account would be left with no way to log in.
    ///
    /// The account's password hash, its other identities and its passkeys are read in the write transaction that
    /// deletes the identity; SQLite runs one write transaction at a time, so no other change of the
    /// account can slip in between the decision and the deletion.
    public func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await write("unlink_identity") { db in
            let linked = try Bool.fetchOne(db, sql: "SELECT 1 FROM identities WHERE id = ? AND account_id = ?", arguments: [id, accountID]) ?? false
            guard linked else { return .notFound }
            guard try Self.hasOtherWayToLogIn(accountID, besidesIdentity: id, in: db) else { return .lastWayToLogIn }
            try db.execute(sql: "DELETE FROM identities WHERE id = ? AND account_id = ?", arguments: [id, accountID])
            try Self.insertAudit(audit, in: db)
            return .removed
        }
    }

    /// Replaces the identity's sealed provider tokens (`nil` deletes them) in one transaction with the
    /// check that the identity exists; returns whether it does. The tokens go with the identity: the
    /// foreign key cascades when it is unlinked or its account deleted.
    public func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool {
        try await write("set_provider_tokens") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM identities WHERE id = ?", arguments: [identityID]) ?? false else { return false }
            if let sealed {
                try db.execute(
                    sql: """
                        INSERT INTO identity_tokens (identity_id, sealed, updated_at) VALUES (?, ?, ?)
                        ON CONFLICT (identity_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
                        """,
                    arguments: [identityID, SQLiteCodec.blob(sealed), SQLiteCodec.millis(date)]
                )
            } else {
                try db.execute(sql: "DELETE FROM identity_tokens WHERE identity_id = ?", arguments: [identityID])
            }
            return true
        }
    }

    /// The identity's sealed provider tokens, if any.
    public func providerTokens(identityID: String) async throws -> [UInt8]? {
        try await read("provider_tokens") { db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM identity_tokens WHERE identity_id = ?", arguments: [identityID]).map { Array($0) }
        }
    }

    /// Inserts an identity linked to `accountID` inside the caller's transaction; a linked (issuer,
    /// subject) is `AccountError.Code.conflict` (`identityTaken`), a taken id `idTaken`.
    private static func insertIdentity(_ identity: IdentityRecord, accountID: String, in db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO identities (\(SQLiteCodec.identityColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)")
        do {
            try statement.execute(arguments: SQLiteCodec.identityArguments(identity, accountID: accountID))
        } catch  where SQLiteFailure.isUniqueViolation(error, naming: "identities.issuer") {
            throw AccountError.conflict(.identityTaken)
        } catch  where SQLiteFailure.isUniqueViolation(error, naming: "identities.id") {
            throw AccountError.conflict(.idTaken)
        }
    }
}
