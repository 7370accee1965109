import struct Foundation.Date

/// A session as callers see it: no secret digests.
public struct SessionDocument: Sendable, Equatable, Codable {
    public var id: String
    public var accountID: String
    public var valid: Bool
    public var createdAt: Date
    public var lastUsedAt: Date
    public var expiresAt: Date
    public var connectionInfo: ConnectionInfo
    public var revokedReason: RevocationReason?
    /// When the holder last proved who they are (see ``SessionRecord/authenticatedAt``).
    public var authenticatedAt: Date
    /// How they proved it then.
    public var authenticationMethods: [AuthenticationMethod]

    /// The JSON keys keep the Powership document's names.
    enum CodingKeys: String, CodingKey {
        case id
        case accountID = "accountId"
        case valid, createdAt, lastUsedAt, expiresAt, connectionInfo, revokedReason, authenticatedAt, authenticationMethods
    }

    public init(_ record: SessionRecord) {
        id = record.id
        accountID = record.accountID
        valid = record.valid
        createdAt = record.createdAt
        lastUsedAt = record.lastUsedAt
        expiresAt = record.expiresAt
        connectionInfo = ConnectionInfo(ip: record.ip, userAgent: record.userAgent)
        revokedReason = record.revokedReason
        authenticatedAt = record.authenticatedAt
        authenticationMethods = record.authenticationMethods
    }
}
