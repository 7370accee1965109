import struct Foundation.Date

/// An account as stored. The password hash is kept apart (``AccountStore/passwordHash(accountID:)``)
/// so that loading an account never carries it along.
public struct AccountRecord: Sendable, Equatable {
    /// ULID.
    public var accountID: String
    /// Canonical (lower-case) username, unique.
    public var username: String
    /// The primary e-mail address (lower-case), unique across all contacts.
    public var email: String
    public var emailVerified: Bool
    public var deactivated: Bool
    public var permissions: [String]
    public var createdAt: Date
    public var updatedAt: Date
    /// Grows by one whenever every session of the account must end — deactivation, a password change or
    /// reset, logging out everywhere — in the same write. A login creates its session only if the epoch is
    /// still the one it read before checking the password, so no login in flight outlives such a change.
    public var sessionEpoch: Int

    public init(
        accountID: String,
        username: String,
        email: String,
        emailVerified: Bool = false,
        deactivated: Bool = false,
        permissions: [String] = [],
        createdAt: Date,
        updatedAt: Date,
        sessionEpoch: Int = 0
    ) {
        self.accountID = accountID
        self.username = username
        self.email = email
        self.emailVerified = emailVerified
        self.deactivated = deactivated
        self.permissions = permissions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sessionEpoch = sessionEpoch
    }
}
