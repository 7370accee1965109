import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Creates the account, its password hash and its contacts in one transaction.
    ///
    /// The database's unique constraints decide: a taken username or contact throws
    /// `AccountError.Code.conflict` naming what is taken (never the value), and the transaction is
    /// rolled back, so nothing of the account is left behind.
    public func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws {
        let permissions = try SQLiteCodec.encodePermissions(account.permissions)
        try await write("create_account") { db in
            try Self.insertAccount(account, permissions: permissions, passwordHash: passwordHash, contacts: contacts, in: db)
            try Self.insertAudit(audit, in: db)
        }
    }

    /// Inserts an account and its contacts inside the caller's transaction; a taken username or contact
    /// is `AccountError.Code.conflict`.
    static func insertAccount(
        _ account: AccountRecord,
        permissions: String,
        passwordHash: String,
        contacts: [ContactRecord],
        in db: Database
    ) throws {
        do {
            try db.execute(
                sql: """
                    INSERT INTO accounts (id, username, email, email_verified, deactivated, permissions, password_hash, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    account.accountID, account.username, account.email, account.emailVerified, account.deactivated,
                    permissions, passwordHash, SQLiteCodec.millis(account.createdAt), SQLiteCodec.millis(account.updatedAt),
                ]
            )
        } catch  where SQLiteFailure.isUniqueViolation(error, naming: "accounts.") {
            // The account id too: a caller only ever sees that its username cannot be used.
            throw AccountError.conflict(.usernameTaken)
        }
        let insertContact = try db.cachedStatement(
            sql: """
                INSERT INTO contacts (account_id, kind, value, verified, is_primary, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """
        )
        for contact in contacts {
            do {
                try insertContact.execute(arguments: [
                    contact.accountID, contact.kind.rawValue, contact.value, contact.verified, contact.isPrimary,
                    SQLiteCodec.millis(contact.createdAt),
                ])
            } catch  where SQLiteFailure.isUniqueViolation(error, naming: "contacts.kind") {
                throw AccountError.conflict(.contactTaken)
            }
        }
    }

    /// The account with this id, its e-mail address taken from its primary contact. Never carries the
    /// password hash.
    public func account(id: String) async throws -> AccountRecord? {
        try await read("account") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(SQLiteCodec.accountColumns) FROM \(SQLiteCodec.accountSource) WHERE a.id = ?")
            return try Row.fetchOne(statement, arguments: [id]).map { try SQLiteCodec.account($0) }
        }
    }

    /// The account with this canonical (lower-case) username.
    public func account(username: String) async throws -> AccountRecord? {
        try await read("account_by_username") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(SQLiteCodec.accountColumns) FROM \(SQLiteCodec.accountSource) WHERE a.username = ?")
            return try Row.fetchOne(statement, arguments: [username]).map { try SQLiteCodec.account($0) }
        }
    }

    /// The account that has this canonical e-mail address as one of its e-mail contacts, primary or not.
    public func account(email: String) async throws -> AccountRecord? {
        try await read("account_by_email") { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT \(SQLiteCodec.accountColumns) FROM \(SQLiteCodec.accountSource)
                    WHERE a.id = (SELECT account_id FROM contacts WHERE kind = 'email' AND value = ?)
                    """
            )
            return try Row.fetchOne(statement, arguments: [email]).map { try SQLiteCodec.account($0) }
        }
    }

    /// The stored password hash of an account; `nil` when there is no such account, or when it has none
    /// (an account created with an identity keeps an empty hash).
    public func passwordHash(accountID: String) async throws -> String? {
        try await read("password_hash") { db in
            try String.fetchOne(db, sql: "SELECT NULLIF(password_hash, '') FROM accounts WHERE id = ?", arguments: [accountID])
        }
    }

    /// Replaces the password hash; returns whether the account exists.
    public func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await write("set_password_hash") { db in
            try db.execute(
                sql: "UPDATE accounts SET password_hash = ?, updated_at = ?, session_epoch = session_epoch + 1 WHERE id = ?",
                arguments: [hash, SQLiteCodec.millis(date), accountID]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// Sets or clears the deactivated flag and moves the account to its next session epoch; returns
    /// whether the account exists.
    public func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await write("set_deactivated") { db in
            try db.execute(
                sql: "UPDATE accounts SET deactivated = ?, updated_at = ?, session_epoch = session_epoch + 1 WHERE id = ?",
                arguments: [deactivated, SQLiteCodec.millis(date), accountID]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// The contacts of an account, in the order they were added.
    public func contacts(accountID: String) async throws -> [ContactRecord] {
        try await read("contacts") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteCodec.contactColumns) FROM contacts WHERE account_id = ? ORDER BY created_at, rowid",
                arguments: [accountID]
            ).map { try SQLiteCodec.contact($0) }
        }
    }

    /// Marks one contact verified and returns it; `nil` when the account has no such contact.
    public func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord? {
        try await write("mark_contact_verified") { db in
            let arguments: StatementArguments = [accountID, kind.rawValue, value]
            try db.execute(sql: "UPDATE contacts SET verified = 1 WHERE account_id = ? AND kind = ? AND value = ?", arguments: arguments)
            guard db.changesCount == 1 else { return nil }
            try Self.insertAudit(audit, in: db)
            return try Row.fetchOne(
                db,
                sql: "SELECT \(SQLiteCodec.contactColumns) FROM contacts WHERE account_id = ? AND kind = ? AND value = ?",
                arguments: arguments
            ).map { try SQLiteCodec.contact($0) }
        }
    }

    /// Accounts ordered by creation, `limit` of them after skipping `offset`.
    public func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        try await read("accounts") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteCodec.accountColumns) FROM \(SQLiteCodec.accountSource) ORDER BY a.created_at, a.rowid LIMIT ? OFFSET ?",
                arguments: [max(0, limit), max(0, offset)]
            ).map { try SQLiteCodec.account($0) }
        }
    }

    /// Makes `email` the account's primary e-mail contact, verified, in one transaction: the old primary
    /// contact goes, and so does the account's non-primary contact with this address, which the new
    /// primary one replaces. Returns whether the account exists; an address another account has is
    /// `AccountError.Code.conflict` (`contactTaken`), and changes nothing.
    public func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        let now = SQLiteCodec.millis(date)
        return try await write("change_primary_email") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [accountID]) ?? false else { return false }
            let owner = try String.fetchOne(db, sql: "SELECT account_id FROM contacts WHERE kind = 'email' AND value = ?", arguments: [email])
            if let owner, owner != accountID { throw AccountError.conflict(.contactTaken) }
            try db.execute(
                sql: "DELETE FROM contacts WHERE account_id = ? AND ((kind = 'email' AND value = ?) OR is_primary = 1)",
                arguments: [accountID, email]
            )
            try db.execute(
                sql: "INSERT INTO contacts (account_id, kind, value, verified, is_primary, created_at) VALUES (?, 'email', ?, 1, 1, ?)",
                arguments: [accountID, email, now]
            )
            try db.execute(
                sql: "UPDATE accounts SET email = ?, email_verified = 1, updated_at = ? WHERE id = ?",
                arguments: [email, now, accountID]
            )
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// Deletes the account in one transaction: its contacts, identities (with their provider tokens),
    /// sessions and single-use tokens go with it (the foreign keys cascade), its password hash with its
    /// row, and its messages not yet sent are deleted here; its sent messages, which no longer carry a
    /// payload, stay until they are swept. Returns whether the account existed.
    public func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await write("delete_account") { db in
            try db.execute(sql: "DELETE FROM accounts WHERE id = ?", arguments: [accountID])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM outbox WHERE account_id = ? AND status <> 'sent'", arguments: [accountID])
            try Self.insertAudit(audit, in: db)
            return true
        }
    }
}
