import struct Foundation.Date

/// One conditional write to a session: every field is set only if the session is still valid and its
/// current secret is still ``expectedCurrentHash`` (compare-and-swap). Rotations and touches are both
/// expressed this way, so a write computed from a stale read can never clobber a newer rotation or
/// revive a revoked session.
public struct SessionUpdate: Sendable, Equatable {
    public var sessionID: String
    public var expectedCurrentHash: [UInt8]
    public var currentHash: [UInt8]
    public var previousHash: [UInt8]?
    public var rotatedAt: Date?
    public var olderSecrets: [SupersededSecret]
    public var currentPresented: Bool
    public var lastUsedAt: Date
    public var ip: String
    public var userAgent: String

    public init(
        sessionID: String,
        expectedCurrentHash: [UInt8],
        currentHash: [UInt8],
        previousHash: [UInt8]?,
        rotatedAt: Date?,
        olderSecrets: [SupersededSecret],
        currentPresented: Bool,
        lastUsedAt: Date,
        ip: String,
        userAgent: String
    ) {
        self.sessionID = sessionID
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
