import struct Foundation.Date

/// An account as callers see it (``SessionRequest/user``, ``LoginResult/account``): nothing secret.
public struct Account: Sendable, Equatable, Codable {
    public var accountId: String
    public var username: String
    public var email: String
    public var emailVerified: Bool
    public var deactivated: Bool
    public var permissions: [String]
    public var createdAt: Date

    public init(_ record: AccountRecord) {
        accountId = record.accountId
        username = record.username
        email = record.email
        emailVerified = record.emailVerified
        deactivated = record.deactivated
        permissions = record.permissions
        createdAt = record.createdAt
    }
}
