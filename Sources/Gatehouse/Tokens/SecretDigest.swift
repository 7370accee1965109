import Crypto
import Foundation

/// The SHA-256 digests Gatehouse stores in place of secrets (token secrets, one-time tokens): a copy of
/// the database never lets anyone act as a user.
package enum SecretDigest {
    package static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    package static func sha256(_ text: String) -> [UInt8] {
        sha256(Array(text.utf8))
    }

    /// Equality of two digests without an early exit, so that timing does not tell how much matched.
    package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs.withUnsafeBytes { lhs in rhs.withUnsafeBytes { rhs in constantTimeEquals(lhs, rhs) } }
    }

    package static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { lhs in rhs.withUTF8 { rhs in constantTimeEquals(UnsafeRawBufferPointer(lhs), UnsafeRawBufferPointer(rhs)) } }
    }

    package static func constantTimeEquals(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<lhs.count { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
