import struct Foundation.Date

/// A single-use token (e-mail verification, password reset), stored as the SHA-256 of its value.
public struct OneTimeTokenRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case emailVerification = "email_verification"
        case passwordRecovery = "password_recovery"
    }

    public var id: String
    public var accountID: String
    public var kind: Kind
    /// What the token is for: the e-mail address to verify, or the account id for a reset.
    public var createdFor: String
    public var hash: [UInt8]
    public var reason: String?
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(
        id: String,
        accountID: String,
        kind: Kind,
        createdFor: String,
        hash: [UInt8],
        reason: String? = nil,
        createdAt: Date,
        expiresAt: Date,
        usedAt: Date? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.kind = kind
        self.createdFor = createdFor
        self.hash = hash
        self.reason = reason
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}
