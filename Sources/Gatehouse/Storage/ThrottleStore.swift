import struct Foundation.Date

/// Where attempt counters live: login, sign-up and recovery limits, shared by every server on the store
/// and kept across restarts.
///
/// Attempts are reserved before the expensive work they guard (a password hash, a message), atomically
/// across all the limits an attempt falls under, so that a burst of concurrent attempts cannot all pass
/// a check made before any of them was counted.
public protocol ThrottleStore: Sendable {
    /// Counts one attempt under every limit if each still allows one — all or nothing, consistently for
    /// every server sharing the store — or counts nothing and says when the first refusing limit allows
    /// again. A limit whose window ended starts a new window at `date`.
    func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict
    /// Takes back one attempt under each key (an attempt that turned out to be no failure).
    func releaseAttempt(keys: [String], at date: Date) async throws
    /// Forgets every attempt under the keys, and under every key that starts with one of `prefixes`.
    func clearAttempts(keys: [String], prefixes: [String]) async throws
    /// Remembers that `address` logged in to `account` at `date`.
    func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws
    /// Forgets every address recorded as trusted for `account` (the account was deleted).
    func forgetTrustedAddresses(account: String) async throws
    /// Whether `address` logged in to `account` at or after `date`.
    func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool
    /// Deletes counters whose window ended, and trusted addresses last seen, before `date`; returns how
    /// many rows went.
    func deleteThrottleState(endedBefore date: Date) async throws -> Int
}
