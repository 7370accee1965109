import Foundation
import Gatehouse

/// What an administrator may see of a stored key: everything but the secret.
public struct SigningKeySummary: Sendable, Equatable, Codable {
    /// How a key is used.
    public enum Status: String, Sendable, Codable {
        /// Signs new tokens (and verifies).
        case signing
        /// Verifies tokens signed before a rotation.
        case verifyOnly = "verify-only"
        /// Verifies nothing any more.
        case retired
    }

    public var kid: String
    public var createdAt: Date
    public var status: Status

    public init(_ key: StoredSigningKey) {
        kid = key.kid
        createdAt = key.createdAt
        status = key.retired ? .retired : key.isSigning ? .signing : .verifyOnly
    }
}
