import struct Foundation.Date

/// A way to reach an account holder. The primary e-mail is a contact too, so that one unique constraint
/// on `(kind, value)` keeps every e-mail address (or phone number) to a single account.
public struct ContactRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case email, phone, custom
    }

    public var accountID: String
    public var kind: Kind
    public var value: String
    public var verified: Bool
    public var isPrimary: Bool
    public var createdAt: Date

    public init(accountID: String, kind: Kind, value: String, verified: Bool = false, isPrimary: Bool = false, createdAt: Date) {
        self.accountID = accountID
        self.kind = kind
        self.value = value
        self.verified = verified
        self.isPrimary = isPrimary
        self.createdAt = createdAt
    }
}
