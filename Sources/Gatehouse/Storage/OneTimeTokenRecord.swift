import struct Foundation.Date

/// A single-use token (e-mail verification, password reset, e-mail change), stored as the SHA-256 of
/// its value.
public struct OneTimeTokenRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Confirms that the account holder reads the address in ``OneTimeTokenRecord/createdFor``.
        case emailVerification = "email_verification"
        /// Sets a new password for a holder who forgot theirs.
        case passwordRecovery = "password_recovery"
        /// Confirms a new address (``OneTimeTokenRecord/createdFor``), which then becomes the account's.
        case emailChange = "email_change"
        /// Continues a login whose password was right with its second factor; ``OneTimeTokenRecord/createdFor``
        /// is the account id.
        case secondFactorChallenge = "second_factor_challenge"
    }

    public var id: String
    public var accountID: String
    public var kind: Kind
    /// What the token is for: the e-mail address to verify or to change to, or the account id for a reset.
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
