import struct Foundation.Date

/// Where accounts, their contacts and their password hashes live.
///
/// Uniqueness (username, `(kind, value)` of contacts) must be enforced atomically by the store:
/// a violating write throws ``AccountError/Code/conflict`` and leaves nothing behind.
public protocol AccountStore: Sendable {
    /// Creates the account, its password hash and its contacts in one transaction.
    func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord]) async throws
    func account(id: String) async throws -> AccountRecord?
    /// Looks up by canonical (lower-case) username.
    func account(username: String) async throws -> AccountRecord?
    func passwordHash(accountId: String) async throws -> String?
    /// Returns whether the account exists.
    func setPasswordHash(accountId: String, hash: String, at date: Date) async throws -> Bool
    /// Returns whether the account exists.
    func setDeactivated(accountId: String, _ deactivated: Bool, at date: Date) async throws -> Bool
    func contacts(accountId: String) async throws -> [ContactRecord]
    /// Marks one contact verified; returns it, or `nil` when the account has no such contact.
    func markContactVerified(accountId: String, kind: ContactRecord.Kind, value: String) async throws -> ContactRecord?
    /// Accounts ordered by creation.
    func accounts(limit: Int, offset: Int) async throws -> [AccountRecord]
}

/// Where sessions live. Rotations are compare-and-swap writes, taken in batches so that a store can
/// commit many concurrent rotations in one transaction.
public protocol SessionStore: Sendable {
    func insertSession(_ session: SessionRecord) async throws
    func session(id: String) async throws -> SessionRecord?
    /// The session and its account in one read: the per-request hot path.
    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)?
    /// Applies each update if its session is still valid and its current hash still matches; returns,
    /// per update and in order, whether it was applied.
    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool]
    /// Marks valid sessions of `accountId` invalid: only `sessionId` when given, all of them otherwise,
    /// never `exceptSessionId`. Returns how many changed.
    func revokeSessions(accountId: String, sessionId: String?, exceptSessionId: String?, reason: String, at date: Date) async throws -> Int
    /// Sessions of an account, oldest first.
    func sessions(accountId: String, includeInvalid: Bool) async throws -> [SessionRecord]
    /// Deletes sessions that ended (invalid, or past their absolute expiry) before `date`; returns the count.
    func deleteSessions(endedBefore date: Date) async throws -> Int
}

/// Where single-use tokens live.
public protocol TokenStore: Sendable {
    /// Throws ``AccountError/Code/conflict`` when the same hash exists.
    func insertToken(_ token: OneTimeTokenRecord) async throws
    /// Atomically marks the unused, unexpired token with this hash and kind as used and returns it.
    func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord?
    /// Deletes an account's tokens of one kind; returns the count.
    func deleteTokens(accountId: String, kind: OneTimeTokenRecord.Kind) async throws -> Int
    func tokens(accountId: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord]
}

/// Where a server keeps the signing keys it generated.
public protocol SigningKeyStore: Sendable {
    func signingKeys() async throws -> [StoredSigningKey]
    /// Adds `key`; when it is the signing key, the previous signing key becomes verification-only, in the
    /// same transaction.
    func insertSigningKey(_ key: StoredSigningKey) async throws
    /// Returns whether a non-signing key with this id was retired.
    func retireSigningKey(kid: String) async throws -> Bool
}

/// Everything Gatehouse stores, as one value.
public typealias GatehouseStore = AccountStore & SessionStore & TokenStore & SigningKeyStore
