import struct Foundation.Date

/// An account as stored. The password hash is kept apart (``AccountStore/passwordHash(accountId:)``)
/// so that loading an account never carries it along.
public struct AccountRecord: Sendable, Equatable {
    /// ULID.
    public var accountId: String
    /// Canonical (lower-case) username, unique.
    public var username: String
    /// The primary e-mail address (lower-case), unique across all contacts.
    public var email: String
    public var emailVerified: Bool
    public var deactivated: Bool
    public var permissions: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(accountId: String, username: String, email: String, emailVerified: Bool = false, deactivated: Bool = false, permissions: [String] = [], createdAt: Date, updatedAt: Date) {
        self.accountId = accountId
        self.username = username
        self.email = email
        self.emailVerified = emailVerified
        self.deactivated = deactivated
        self.permissions = permissions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A way to reach an account holder. The primary e-mail is a contact too, so that one unique constraint
/// on `(kind, value)` keeps every e-mail address (or phone number) to a single account.
public struct ContactRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case email, phone, custom
    }

    public var accountId: String
    public var kind: Kind
    public var value: String
    public var verified: Bool
    public var isPrimary: Bool
    public var createdAt: Date

    public init(accountId: String, kind: Kind, value: String, verified: Bool = false, isPrimary: Bool = false, createdAt: Date) {
        self.accountId = accountId
        self.kind = kind
        self.value = value
        self.verified = verified
        self.isPrimary = isPrimary
        self.createdAt = createdAt
    }
}
