import struct Foundation.Date

/// An account as callers see it (``Authentication/account``, ``SessionRequest/user``): nothing secret.
public struct Account: Sendable, Equatable, Codable {
    public var accountID: String
    public var username: String
    public var email: String
    public var emailVerified: Bool
    public var deactivated: Bool
    public var permissions: [String]
    public var createdAt: Date
    /// The account's session epoch when it was read (see `AccountRecord.sessionEpoch`): a session
    /// started for this value is only created while the account still has it.
    public var sessionEpoch: Int

    /// The JSON keys keep the Powership document's names.
    enum CodingKeys: String, CodingKey {
        case accountID = "accountId"
        case username, email, emailVerified, deactivated, permissions, createdAt, sessionEpoch
    }

    public init(_ record: AccountRecord) {
        accountID = record.accountID
        username = record.username
        email = record.email
        emailVerified = record.emailVerified
        deactivated = record.deactivated
        permissions = record.permissions
        createdAt = record.createdAt
        sessionEpoch = record.sessionEpoch
    }
}
