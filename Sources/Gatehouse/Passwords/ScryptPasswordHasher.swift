import Crypto
import CryptoExtras

import struct Foundation.Data

/// scrypt in the self-describing 96-byte record of `scrypt-kdf` (the format Powership stores, so hashes
/// move between the two in either direction), computed on a bounded pool of threads outside the
/// cooperative pool, so a storm of logins cannot starve other requests.
///
/// Record: `"scrypt"`, version 0, log2(N), r and p (big-endian), a 32-byte salt, 16 bytes of SHA-256
/// checksum, and HMAC-SHA256 of the first 64 bytes keyed with the second half of the derived key;
/// stored as padded base64 (128 characters).
public struct ScryptPasswordHasher: PasswordHasher {
    public var logN: UInt8
    public var blockSize: UInt32
    public var parallelism: UInt32
    private let random: any RandomSource
    private let pool: BoundedWorkPool

    /// Powership's parameters: N = 2^15, r = 8, p = 1 (about 32 MiB and 90 ms per hash in release).
    /// Tests pass a smaller `logN`. `concurrency` bounds how many hashes run at once.
    public init(
        logN: UInt8 = 15,
        blockSize: UInt32 = 8,
        parallelism: UInt32 = 1,
        concurrency: Int = BoundedWorkPool.defaultWidth,
        random: any RandomSource = SystemRandomSource()
    ) {
        self.logN = logN
        self.blockSize = blockSize
        self.parallelism = parallelism
        self.random = random
        self.pool = BoundedWorkPool(width: concurrency, label: "gatehouse.scrypt")
    }

    /// Passwords longer than this (in UTF-8 bytes) are never accepted by `verify`, to bound the work an
    /// unauthenticated caller can ask for.
    public static let maximumPasswordBytes = 4096

    public func hash(_ password: String) async throws -> String {
        let salt = random.bytes(32)
        let (logN, r, p) = (logN, blockSize, parallelism)
        let record = try await pool.run {
            try Self.record(password: Array(password.utf8), salt: salt, logN: logN, r: r, p: p)
        }
        return Data(record).base64EncodedString()
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        guard password.utf8.count <= Self.maximumPasswordBytes,
            let decoded = Data(base64Encoded: hash), decoded.count == 96
        else { return false }
        let stored = Array(decoded)
        guard stored.starts(with: Array("scrypt".utf8)), stored[6] == 0 else { return false }
        let checksum = Array(SHA256.hash(data: stored[0..<48]).prefix(16))
        guard SecretDigest.constantTimeEquals(checksum, Array(stored[48..<64])) else { return false }
        let logN = stored[7]
        let r = stored[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let p = stored[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        // Refuse parameters a forged record could use to make us burn memory or time.
        guard (1...20).contains(logN), (1...32).contains(r), (1...16).contains(p) else { return false }
        let salt = Array(stored[16..<48])
        let recomputed = try await pool.run {
            try Self.record(password: Array(password.utf8), salt: salt, logN: logN, r: r, p: p)
        }
        return SecretDigest.constantTimeEquals(recomputed, stored)
    }

    static func record(password: [UInt8], salt: [UInt8], logN: UInt8, r: UInt32, p: UInt32) throws -> [UInt8] {
        var record = Array("scrypt".utf8)
        record.append(0)
        record.append(logN)
        for value in [r, p] {
            record.append(contentsOf: [
                UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
            ])
        }
        record.append(contentsOf: salt)
        record.append(contentsOf: SHA256.hash(data: record).prefix(16))
        let derived = try KDF.Scrypt.deriveKey(
            from: password,
            salt: salt,
            outputByteCount: 64,
            rounds: 1 << Int(logN),
            blockSize: Int(r),
            parallelism: Int(p),
            maxMemory: 128 * Int(r) * (1 << Int(logN)) * 2 + 1 << 20
        )
        let macKey = derived.withUnsafeBytes { SymmetricKey(data: Array($0[32..<64])) }
        record.append(contentsOf: HMAC<SHA256>.authenticationCode(for: record, using: macKey))
        return record
    }
}
