import struct Foundation.Date

/// One conditional write to a session: every field is set only if the session is still valid and its
/// current secret is still ``expectedCurrentHash`` (compare-and-swap) — and, where the decision depended on
/// more, the rest of the state it was made on (``expectedPreviousHash``, ``requiresUnpresentedCurrent``).
/// Rotations and touches are both expressed this way, so a write computed from a stale read can never
/// clobber a newer rotation or revive a revoked session.
///
/// A rotation (``takesCommitTime``) is written with the time the store commits it, not the time it was
/// decided: the grace period and the lost-response rule measure from when a token became visible to other
/// requests, so a commit delayed by a stalled disk or a network partition never makes a fresh token look old.
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
    /// When set, the write also requires the session's previous secret to be this one.
    public var expectedPreviousHash: [UInt8]?
    /// When `true`, the write also requires that no client has presented the current secret yet.
    public var requiresUnpresentedCurrent: Bool
    /// When `true` (a rotation), the store writes its own commit time into ``rotatedAt`` and
    /// ``lastUsedAt`` instead of the values given.
    public var takesCommitTime: Bool

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
        userAgent: String,
        expectedPreviousHash: [UInt8]? = nil,
        requiresUnpresentedCurrent: Bool = false,
        takesCommitTime: Bool = false
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
        self.expectedPreviousHash = expectedPreviousHash
        self.requiresUnpresentedCurrent = requiresUnpresentedCurrent
        self.takesCommitTime = takesCommitTime
    }

    /// Whether the write may apply to `session`: the compare-and-swap and every other condition.
    public func applies(to session: SessionRecord) -> Bool {
        guard session.valid, session.currentHash == expectedCurrentHash else { return false }
        if let expectedPreviousHash, session.previousHash != expectedPreviousHash { return false }
        if requiresUnpresentedCurrent, session.currentPresented { return false }
        return true
    }
}

extension SessionRecord {
    /// The record as it is after `update` succeeded, at `commitTime` for an update that
    /// ``SessionUpdate/takesCommitTime``.
    public func applying(_ update: SessionUpdate, committedAt commitTime: Date? = nil) -> SessionRecord {
        var copy = self
        copy.currentHash = update.currentHash
        copy.previousHash = update.previousHash
        copy.rotatedAt = update.takesCommitTime ? commitTime ?? update.rotatedAt : update.rotatedAt
        copy.olderSecrets = update.olderSecrets
        copy.currentPresented = update.currentPresented
        copy.lastUsedAt = update.takesCommitTime ? commitTime ?? update.lastUsedAt : update.lastUsedAt
        copy.ip = update.ip
        copy.userAgent = update.userAgent
        return copy
    }
}
