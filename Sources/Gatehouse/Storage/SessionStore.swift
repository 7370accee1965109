import struct Foundation.Date

/// Where sessions live. Rotations are compare-and-swap writes, taken in batches so that a store can
/// commit many concurrent rotations in one transaction.
public protocol SessionStore: Sendable {
    /// Stores a new session. Throws ``AccountError/Code/conflict`` when the id exists and
    /// ``AccountError/Code/userNotFound`` when its account does not.
    func insertSession(_ session: SessionRecord) async throws
    /// The session with this id.
    func session(id: String) async throws -> SessionRecord?
    /// The session and its account in one read: the per-request hot path.
    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)?
    /// Applies each update if its session is still valid and its current hash still matches; returns,
    /// per update and in order, whether it was applied.
    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool]
    /// Marks the valid sessions in `scope` invalid with `reason`; returns how many changed.
    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date) async throws -> Int
    /// Sessions of an account, oldest first.
    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord]
    /// Deletes sessions that ended (invalid, or past their absolute expiry) before `date`; returns the count.
    func deleteSessions(endedBefore date: Date) async throws -> Int
}
