import struct Foundation.Date

/// A session as callers see it: no secret digests.
public struct SessionDocument: Sendable, Equatable, Codable {
    public var id: String
    public var accountId: String
    public var valid: Bool
    public var createdAt: Date
    public var lastUsedAt: Date
    public var expiresAt: Date
    public var connectionInfo: ConnectionInfo
    public var revokedReason: String?

    public init(_ record: SessionRecord) {
        id = record.id
        accountId = record.accountId
        valid = record.valid
        createdAt = record.createdAt
        lastUsedAt = record.lastUsedAt
        expiresAt = record.expiresAt
        connectionInfo = ConnectionInfo(ip: record.ip, userAgent: record.userAgent)
        revokedReason = record.revokedReason
    }
}
