import struct Foundation.Date

/// Where accounts, their contacts and their password hashes live.
///
/// Uniqueness (username, `(kind, value)` of contacts) must be enforced atomically by the store:
/// a violating write throws ``AccountError/Code/conflict`` and leaves nothing behind.
///
/// Each operation that changes something writes its `audit` trail in the same transaction, when the
/// change takes effect (see ``AuditTrail``).
public protocol AccountStore: Sendable {
    /// Creates the account, its password hash and its contacts in one transaction.
    func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws
    /// The account with this id.
    func account(id: String) async throws -> AccountRecord?
    /// Looks up by canonical (lower-case) username.
    func account(username: String) async throws -> AccountRecord?
    /// The account that has `email` (canonical) as one of its e-mail contacts, primary or not.
    func account(email: String) async throws -> AccountRecord?
    /// The account's password hash, kept apart from the account so that loading one never carries it.
    func passwordHash(accountID: String) async throws -> String?
    /// Replaces the password hash and moves the account to its next session epoch; returns whether the
    /// account exists.
    func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool
    /// Sets or clears the deactivation flag and moves the account to its next session epoch; returns
    /// whether the account exists.
    func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool
    /// The account's contacts, the primary e-mail among them.
    func contacts(accountID: String) async throws -> [ContactRecord]
    /// Marks one contact verified; returns it, or `nil` when the account has no such contact.
    func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord?
    /// Accounts ordered by creation.
    func accounts(limit: Int, offset: Int) async throws -> [AccountRecord]
    /// Makes `email` (canonical) the account's primary e-mail address, verified, in place of the old one,
    /// in one transaction; returns whether the account exists. Throws ``AccountError/Code/conflict``
    /// with ``AccountError/Detail/contactTaken`` when another account has the address.
    func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool
    /// Deletes the account with everything that belongs to it — contacts, password hash, sessions,
    /// single-use tokens, its messages not yet sent — in one transaction, so its username and addresses
    /// can be taken again; returns whether it existed. Its audit events stay (until the retention sweep),
    /// and so do webhook calls, which belong to no account.
    func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool
}
