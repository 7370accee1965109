import struct Foundation.Date

/// A session as stored: no token, only SHA-256 digests of token secrets.
///
/// Rotation state: ``currentHash`` is the secret of the newest token; ``previousHash`` the one it
/// replaced at ``rotatedAt``; ``olderSecrets`` a short history of secrets superseded before that, each
/// with the time it was superseded, kept only while it is inside the grace period.
/// ``currentPresented`` says whether any client has sent the newest token yet — the lost-response rule
/// depends on it.
public struct SessionRecord: Sendable, Equatable {
    public var id: String
    public var accountId: String
    public var currentHash: [UInt8]
    public var previousHash: [UInt8]?
    public var rotatedAt: Date?
    public var olderSecrets: [SupersededSecret]
    public var currentPresented: Bool
    public var createdAt: Date
    public var lastUsedAt: Date
    /// Absolute end of the session, whatever its activity.
    public var expiresAt: Date
    public var valid: Bool
    public var revokedReason: String?
    public var ip: String
    public var userAgent: String

    public init(id: String, accountId: String, currentHash: [UInt8], previousHash: [UInt8]? = nil, rotatedAt: Date? = nil, olderSecrets: [SupersededSecret] = [], currentPresented: Bool = false, createdAt: Date, lastUsedAt: Date, expiresAt: Date, valid: Bool = true, revokedReason: String? = nil, ip: String, userAgent: String) {
        self.id = id
        self.accountId = accountId
        self.currentHash = currentHash
        self.previousHash = previousHash
        self.rotatedAt = rotatedAt
        self.olderSecrets = olderSecrets
        self.currentPresented = currentPresented
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.valid = valid
        self.revokedReason = revokedReason
        self.ip = ip
        self.userAgent = userAgent
    }
}

/// One conditional write to a session: every field is set only if the session is still valid and its
/// current secret is still ``expectedCurrentHash`` (compare-and-swap). Rotations and touches are both
/// expressed this way, so a write computed from a stale read can never clobber a newer rotation or
/// revive a revoked session.
public struct SessionUpdate: Sendable, Equatable {
    public var sessionId: String
    public var expectedCurrentHash: [UInt8]
    public var currentHash: [UInt8]
    public var previousHash: [UInt8]?
    public var rotatedAt: Date?
    public var olderSecrets: [SupersededSecret]
    public var currentPresented: Bool
    public var lastUsedAt: Date
    public var ip: String
    public var userAgent: String

    public init(sessionId: String, expectedCurrentHash: [UInt8], currentHash: [UInt8], previousHash: [UInt8]?, rotatedAt: Date?, olderSecrets: [SupersededSecret], currentPresented: Bool, lastUsedAt: Date, ip: String, userAgent: String) {
        self.sessionId = sessionId
        self.expectedCurrentHash = expectedCurrentHash
        self.currentHash = currentHash
        self.previousHash = previousHash
        self.rotatedAt = rotatedAt
        self.olderSecrets = olderSecrets
        self.currentPresented = currentPresented
        self.lastUsedAt = lastUsedAt
        self.ip = ip
        self.userAgent = userAgent
    }
}

extension SessionRecord {
    /// The record as it is after `update` succeeded.
    public func applying(_ update: SessionUpdate) -> SessionRecord {
        var copy = self
        copy.currentHash = update.currentHash
        copy.previousHash = update.previousHash
        copy.rotatedAt = update.rotatedAt
        copy.olderSecrets = update.olderSecrets
        copy.currentPresented = update.currentPresented
        copy.lastUsedAt = update.lastUsedAt
        copy.ip = update.ip
        copy.userAgent = update.userAgent
        return copy
    }
}
