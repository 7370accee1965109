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
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
