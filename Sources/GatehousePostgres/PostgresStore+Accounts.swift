import Gatehouse
import NIOCore
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// Inserts the account and its contacts in one transaction. Uniqueness of the username and of
    /// each `(kind, value)` contact is the database's: a clash throws `AccountError.Code.conflict`
    /// naming what is taken (never its value), and nothing is left behind.
    public func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try await withConnection("create_account") { connection in
            try await Self.transaction(on: connection) { connection in
                try await Self.insertAccount(account, passwordHash: passwordHash, contacts: contacts, on: connection)
                try await Self.insertAudit(audit, on: connection)
            }
        }
    }

    /// Inserts an account and its contacts inside the caller's transaction; a taken username or contact
    /// is `AccountError.Code.conflict`.
    static func insertAccount(
        _ account: AccountRecord,
        passwordHash: String,
        contacts: [ContactRecord],
        on connection: PostgresConnection
    ) async throws {
        do {
            try await connection.query(
                """
                INSERT INTO accounts (account_id, username, email, email_verified, password_hash, deactivated, permissions, created_at, updated_at)
                VALUES (\(account.accountID), \(account.username), \(account.email), \(account.emailVerified), \(passwordHash),
                        \(account.deactivated), \(account.permissions), \(PostgresTime.millis(account.createdAt)), \(PostgresTime.millis(account.updatedAt)))
                """,
                logger: queryLogger
            )
        } catch let error where PostgresFailure.isUniqueViolation(error) {
            if PostgresFailure.isUniqueViolation(error, constraint: "accounts_pkey") {
                throw AccountError.conflict(.idTaken)
            }
            throw AccountError.conflict(.usernameTaken)
        }
        // One statement per contact, so that a clash says which kind of contact is taken.
        for contact in contacts {
            do {
                try await connection.query(
                    """
                    INSERT INTO contacts (account_id, kind, value, verified, is_primary, created_at)
                    VALUES (\(account.accountID), \(contact.kind.rawValue), \(contact.value), \(contact.verified),
                            \(contact.isPrimary), \(PostgresTime.millis(contact.createdAt)))
                    """,
                    logger: queryLogger
                )
            } catch let error where PostgresFailure.isUniqueViolation(error) {
                if PostgresFailure.isUniqueViolation(error, constraint: "contacts_primary_idx") {
                    throw AccountError.conflict(.primaryContact)
                }
                throw AccountError.conflict(.contactTaken)
            }
        }
    }

    /// The account with this id, with the address and verification of its primary contact.
    public func account(id: String) async throws -> AccountRecord? {
        try await withConnection("account") { connection in
            try await Self.records(
                """
                SELECT \(unescaped: PostgresCodec.account) FROM \(unescaped: PostgresCodec.accountSource)
                WHERE a.account_id = \(id)
                """,
                on: connection,
                PostgresCodec.account
            ).first ?? nil
        }
    }

    /// The account with this canonical (lower-case) username.
    public func account(username: String) async throws -> AccountRecord? {
        try await withConnection("account_by_username") { connection in
            try await Self.records(
                """
                SELECT \(unescaped: PostgresCodec.account) FROM \(unescaped: PostgresCodec.accountSource)
                WHERE a.username = \(username)
                """,
                on: connection,
                PostgresCodec.account
            ).first ?? nil
        }
    }

    /// The account that has this canonical e-mail address as one of its e-mail contacts, primary or not.
    public func account(email: String) async throws -> AccountRecord? {
        try await withConnection("account_by_email") { connection in
            try await Self.records(
                """
                SELECT \(unescaped: PostgresCodec.account) FROM \(unescaped: PostgresCodec.accountSource)
                WHERE a.account_id = (SELECT account_id FROM contacts WHERE kind = 'email' AND value = \(email))
                """,
                on: connection,
                PostgresCodec.account
            ).first ?? nil
        }
    }

    /// The stored password hash; kept out of `AccountRecord` so that loading an account never carries it.
    /// `nil` when there is no such account, or when it has none (an account created with an identity
    /// keeps an empty hash).
    public func passwordHash(accountID: String) async throws -> String? {
        try await withConnection("password_hash") { connection in
            try await Self.records("SELECT NULLIF(password_hash, '') FROM accounts WHERE account_id = \(accountID)", on: connection) { cursor in
                try cursor.next(String?.self)
            }.first ?? nil
        }
    }

    /// Replaces the password hash; returns whether the account exists.
    public func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await withConnection("set_password_hash") { connection in
            try await Self.auditing(audit, on: connection, tookEffect: { $0 }) { connection in
                try await Self.count(
                    """
                    UPDATE accounts SET password_hash = \(hash), updated_at = \(PostgresTime.millis(date)), session_epoch = session_epoch + 1
                    WHERE account_id = \(accountID) RETURNING 1
                    """,
                    on: connection
                ) > 0
            }
        }
    }

    /// Sets or clears the deactivation flag; returns whether the account exists.
    public func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await withConnection("set_deactivated") { connection in
            try await Self.auditing(audit, on: connection, tookEffect: { $0 }) { connection in
                try await Self.count(
                    """
                    UPDATE accounts SET deactivated = \(deactivated), updated_at = \(PostgresTime.millis(date)), session_epoch = session_epoch + 1
                    WHERE account_id = \(accountID) RETURNING 1
                    """,
                    on: connection
                ) > 0
            }
        }
    }

    /// The account's contacts in the order they were added, the primary e-mail included.
    public func contacts(accountID: String) async throws -> [ContactRecord] {
        try await withConnection("contacts") { connection in
            try await Self.records(
                """
                SELECT \(unescaped: PostgresCodec.contact) FROM contacts WHERE account_id = \(accountID) ORDER BY seq
                """,
                on: connection,
                PostgresCodec.contact
            )
        }
    }

    /// Marks one contact of the account verified and returns it; `nil` when the account has no such contact.
    public func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord? {
        try await withConnection("mark_contact_verified") { connection in
            try await Self.auditing(audit, on: connection, tookEffect: { $0 != nil }) { connection in
                try await Self.records(
                    """
                    UPDATE contacts SET verified = TRUE
                    WHERE account_id = \(accountID) AND kind = \(kind.rawValue) AND value = \(value)
                    RETURNING \(unescaped: PostgresCodec.contact)
                    """,
                    on: connection,
                    PostgresCodec.contact
                ).first
            }
        }
    }

    /// Accounts in creation order, a page at a time.
    public func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        guard limit > 0 else { return [] }
        return try await withConnection("accounts") { connection in
            try await Self.records(
                """
                SELECT \(unescaped: PostgresCodec.account) FROM \(unescaped: PostgresCodec.accountSource)
                ORDER BY a.seq LIMIT \(limit) OFFSET \(max(0, offset))
                """,
                on: connection,
                PostgresCodec.account
            ).compactMap { $0 }
        }
    }

    /// Makes `email` the account's primary e-mail contact, verified, in one transaction: the old primary
    /// contact goes, and so does the account's non-primary contact with this address, which the new
    /// primary one replaces. Returns whether the account exists; an address another account has is
    /// `AccountError.Code.conflict` (`contactTaken`), and changes nothing.
    ///
    /// The account row is locked first, so that two changes of one account run one after the other.
    public func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        let now = PostgresTime.millis(date)
        return try await withConnection("change_primary_email") { connection in
            try await Self.transaction(on: connection) { connection in
                guard try await Self.count("SELECT 1 FROM accounts WHERE account_id = \(accountID) FOR UPDATE", on: connection) > 0 else {
                    return false
                }
                let owners = try await Self.records(
                    "SELECT account_id FROM contacts WHERE kind = 'email' AND value = \(email)",
                    on: connection
                ) { cursor in try cursor.next(String.self) }
                if let owner = owners.first, owner != accountID { throw AccountError.conflict(.contactTaken) }
                try await connection.query(
                    """
                    DELETE FROM contacts WHERE account_id = \(accountID) AND ((kind = 'email' AND value = \(email)) OR is_primary)
                    """,
                    logger: Self.queryLogger
                )
                do {
                    try await connection.query(
                        """
                        INSERT INTO contacts (account_id, kind, value, verified, is_primary, created_at)
                        VALUES (\(accountID), 'email', \(email), TRUE, TRUE, \(now))
                        """,
                        logger: Self.queryLogger
                    )
                } catch let error where PostgresFailure.isUniqueViolation(error) {
                    // Another account took the address after it was read.
                    throw AccountError.conflict(.contactTaken)
                }
                try await connection.query(
                    "UPDATE accounts SET email = \(email), email_verified = TRUE, updated_at = \(now) WHERE account_id = \(accountID)",
                    logger: Self.queryLogger
                )
                try await Self.insertAudit(audit, on: connection)
                return true
            }
        }
    }

    /// Deletes the account in one transaction: its contacts, identities (with their provider tokens),
    /// sessions and single-use tokens go with it (the foreign keys cascade), its password hash with its
    /// row, and its messages not yet sent are deleted here; its sent messages, which no longer carry a
    /// payload, stay until they are swept. Returns whether the account existed.
    public func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await withConnection("delete_account") { connection in
            try await Self.transaction(on: connection) { connection in
                guard try await Self.count("DELETE FROM accounts WHERE account_id = \(accountID) RETURNING 1", on: connection) > 0 else {
                    return false
                }
                try await connection.query(
                    "DELETE FROM outbox WHERE account_id = \(accountID) AND status <> 'sent'",
                    logger: Self.queryLogger
                )
                try await Self.insertAudit(audit, on: connection)
                return true
            }
        }
    }
}
