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

/// The digest of a token secret that has been replaced, and when.
public struct SupersededSecret: Sendable, Equatable {
    public var hash: [UInt8]
    public var supersededAt: Date

    public init(hash: [UInt8], supersededAt: Date) {
        self.hash = hash
        self.supersededAt = supersededAt
    }

    /// At most this many older secrets are kept per session.
    public static let historyLimit = 16

    /// Packs a history into bytes for a database column: per entry 32 digest bytes and the time in
    /// milliseconds, big-endian.
    public static func pack(_ secrets: [SupersededSecret]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(secrets.count * 40)
        for secret in secrets where secret.hash.count == 32 {
            bytes.append(contentsOf: secret.hash)
            let millis = UInt64(bitPattern: Int64((secret.supersededAt.timeIntervalSince1970 * 1000).rounded()))
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: millis >> UInt64(shift))) }
        }
        return bytes
    }

    /// The inverse of ``pack(_:)``; malformed input yields an empty history.
    public static func unpack(_ bytes: [UInt8]) -> [SupersededSecret] {
        guard bytes.count % 40 == 0 else { return [] }
        return stride(from: 0, to: bytes.count, by: 40).map { start in
            var millis: UInt64 = 0
            for byte in bytes[(start + 32)..<(start + 40)] { millis = millis << 8 | UInt64(byte) }
            let date = Date(timeIntervalSince1970: Double(Int64(bitPattern: millis)) / 1000)
            return SupersededSecret(hash: Array(bytes[start..<(start + 32)]), supersededAt: date)
        }
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
