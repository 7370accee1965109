import struct Foundation.Date

/// The digest of a token secret that has been replaced, and when.
///
/// The 32 digest bytes are held inline rather than in an array: a session carries up to
/// ``historyLimit`` of these, and every rotation reads, checks and rewrites all of them.
public struct SupersededSecret: Sendable, Equatable {
    /// The digest as four words; all zero, with `isDigest` false, for a value that is not 32 bytes long.
    private var words: (UInt64, UInt64, UInt64, UInt64)
    private var isDigest: Bool
    public var supersededAt: Date

    /// - Parameters:
    ///   - hash: A SHA-256 digest. Anything that is not 32 bytes long is not one: it reads back as an
    ///     empty ``hash``, matches nothing, and ``pack(_:)`` leaves it out.
    ///   - supersededAt: When the secret was replaced by a newer one.
    public init(hash: [UInt8], supersededAt: Date) {
        self.words = (0, 0, 0, 0)
        self.isDigest = false
        self.supersededAt = supersededAt
        hash.withUnsafeBytes { self.setDigest($0) }
    }

    /// Reads the 32 digest bytes at the start of `bytes`.
    private init(digestAt bytes: UnsafeRawBufferPointer, supersededAt: Date) {
        self.words = (0, 0, 0, 0)
        self.isDigest = false
        self.supersededAt = supersededAt
        setDigest(UnsafeRawBufferPointer(rebasing: bytes[0..<32]))
    }

    /// The SHA-256 digest of the superseded secret.
    public var hash: [UInt8] {
        get { isDigest ? withUnsafeBytes(of: words) { Array($0) } : [] }
        set { newValue.withUnsafeBytes { setDigest($0) } }
    }

    /// Whether `digest` is this secret's digest, compared in constant time.
    public func matches(_ digest: [UInt8]) -> Bool {
        guard isDigest else { return false }
        return withUnsafeBytes(of: words) { own in
            digest.withUnsafeBytes { SecretDigest.constantTimeEquals(own, $0) }
        }
    }

    private mutating func setDigest(_ bytes: UnsafeRawBufferPointer) {
        isDigest = bytes.count == 32
        words = (0, 0, 0, 0)
        if isDigest { withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) } }
    }

    public static func == (lhs: SupersededSecret, rhs: SupersededSecret) -> Bool {
        lhs.isDigest == rhs.isDigest && lhs.supersededAt == rhs.supersededAt
            && lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// At most this many older secrets are kept per session.
    public static let historyLimit = 16

    /// Bytes per packed entry: the digest, then the time in milliseconds as a big-endian 64-bit integer.
    private static let packedSize = 40

    /// Packs a history into bytes for a database column: per entry 32 digest bytes and the time in
    /// milliseconds, big-endian.
    public static func pack(_ secrets: [SupersededSecret]) -> [UInt8] {
        let count = secrets.reduce(0) { $0 + ($1.isDigest ? 1 : 0) }
        // An uninitialized array of capacity 0 is the shared empty array, which must not be written.
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count * packedSize) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            var offset = 0
            for secret in secrets where secret.isDigest {
                withUnsafeBytes(of: secret.words) { output.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: 32) }
                let millis = UInt64(bitPattern: StoredTime.millis(secret.supersededAt))
                output.storeBytes(of: millis.bigEndian, toByteOffset: offset + 32, as: UInt64.self)
                offset += packedSize
            }
            initialized = offset
        }
    }

    /// The history exactly as ``unpack(_:)`` reads it back after ``pack(_:)``: entries that are not
    /// digests left out, times at the millisecond the packed form keeps. Without the bytes in between,
    /// for a store that keeps a written session in memory as a read would return it.
    package static func packedForm(_ secrets: [SupersededSecret]) -> [SupersededSecret] {
        var kept: [SupersededSecret] = []
        kept.reserveCapacity(secrets.count)
        for var secret in secrets where secret.isDigest {
            secret.supersededAt = StoredTime.rounded(secret.supersededAt)
            kept.append(secret)
        }
        return kept
    }

    /// The inverse of ``pack(_:)``; malformed input yields an empty history.
    public static func unpack(_ bytes: [UInt8]) -> [SupersededSecret] {
        bytes.withUnsafeBytes { unpack($0) }
    }

    /// The inverse of ``pack(_:)`` over bytes in place (a column a database driver still holds).
    public static func unpack(_ bytes: UnsafeRawBufferPointer) -> [SupersededSecret] {
        guard bytes.count % packedSize == 0, bytes.count > 0 else { return [] }
        var secrets: [SupersededSecret] = []
        secrets.reserveCapacity(bytes.count / packedSize)
        for offset in stride(from: 0, to: bytes.count, by: packedSize) {
            let millis = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 32, as: UInt64.self))
            let date = StoredTime.date(Int64(bitPattern: millis))
            secrets.append(SupersededSecret(digestAt: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + packedSize)]), supersededAt: date))
        }
        return secrets
    }
}
