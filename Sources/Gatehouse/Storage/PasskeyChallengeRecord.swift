import struct Foundation.Date

/// A WebAuthn challenge Gatehouse handed out, waiting for the authenticator's answer: stored as the
/// SHA-256 of its random bytes, single use and short-lived.
public struct PasskeyChallengeRecord: Sendable, Equatable {
    /// Which ceremony the challenge belongs to; a challenge answers only its own.
    public enum Purpose: String, Sendable, CaseIterable {
        /// Adding a passkey to ``PasskeyChallengeRecord/accountID``.
        case registration
        /// Logging in — or authenticating a session again — as ``PasskeyChallengeRecord/accountID`` when
        /// a username was given, else with any discoverable passkey.
        case authentication
    }

    /// SHA-256 of the challenge bytes.
    public var hash: [UInt8]
    public var purpose: Purpose
    /// The account the ceremony is for; `nil` for a login with a discoverable passkey.
    public var accountID: String?
    /// The session a registration was asked from; `nil` for a login.
    public var sessionID: String?
    public var createdAt: Date
    public var expiresAt: Date

    public init(hash: [UInt8], purpose: Purpose, accountID: String?, sessionID: String?, createdAt: Date, expiresAt: Date) {
        self.hash = hash
        self.purpose = purpose
        self.accountID = accountID
        self.sessionID = sessionID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
