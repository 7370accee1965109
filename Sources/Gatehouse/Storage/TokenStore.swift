import struct Foundation.Date

/// Where single-use tokens live.
public protocol TokenStore: Sendable {
    /// Stores `token` and enqueues `messages` (the e-mail carrying it, notices) in one transaction.
    /// Throws ``AccountError/Code/conflict`` when the same hash exists, and then nothing is written.
    func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws
    /// Atomically marks the unused, unexpired token with this hash and kind as used and returns it.
    func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord?
    /// Deletes an account's tokens of one kind; returns the count.
    func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int
    /// An account's tokens of one kind, used or not.
    func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord]
}
