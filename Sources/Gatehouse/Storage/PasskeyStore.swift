import struct Foundation.Date

/// Where passkeys live (``PasskeyRecord``), with the single-use challenges of their ceremonies
/// (``PasskeyChallengeRecord``).
///
/// A credential id belongs to one passkey across the store; a challenge is taken once, by one
/// conditional delete, so two answers to it cannot both count; a sign count only moves forward, by one
/// conditional write. Deleting an account deletes its passkeys and challenges.
public protocol PasskeyStore: Sendable {
    /// Stores a challenge, and deletes the challenges that expired before its `createdAt`, so that the
    /// unauthenticated ceremony cannot grow the table without bound.
    func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws
    /// Deletes and returns the challenge with this digest and purpose when it has not expired at `date`;
    /// `nil` otherwise. Of two concurrent calls, one at most gets it.
    func consumePasskeyChallenge(hash: [UInt8], purpose: PasskeyChallengeRecord.Purpose, at date: Date) async throws -> PasskeyChallengeRecord?
    /// The account's passkeys, oldest first.
    func passkeys(accountID: String) async throws -> [PasskeyRecord]
    /// The passkey with this credential id.
    func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord?
    /// Stores a new passkey with the trail in one transaction. Returns `false`, writing nothing, when its
    /// credential id is registered already (to any account) or the account does not exist.
    func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool
    /// Records a use: the new sign count and `date` as last use, when the count keeps
    /// ``PasskeyRecord/acceptsSignCount(_:)`` against the stored one. Returns `false`, writing nothing,
    /// otherwise or when there is no such passkey.
    func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool
    /// Deletes the account's passkey with this id, with the trail (written only when it is deleted) —
    /// unless it is the account's last way to log in (no password, no identity, no other passkey),
    /// decided in the same transaction as the deletion, so that two removals at once cannot leave the
    /// account with none.
    func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval
}
