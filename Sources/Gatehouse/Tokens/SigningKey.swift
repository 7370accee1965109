import Crypto

/// One HMAC-SHA256 key with its key id (`kid`), as used to sign and verify auth tokens.
///
/// The key also derives a second, independent key that hashes the user agent bound into each token,
/// so the token carries no readable trace of the client's user agent.
public struct SigningKey: Sendable {
    /// The key id written into each token's header; `[A-Za-z0-9_-]`, 1 to 64 characters.
    public var kid: String { storage.kid }
    package var key: SymmetricKey { storage.key }
    package var userAgentKey: SymmetricKey { storage.userAgentKey }
    /// base64url of the token header for this key, computed once.
    package var encodedHeader: [UInt8] { storage.encodedHeader }
    /// HMAC states with the key's inner and outer pads already hashed: copying one and feeding it the
    /// message costs two compression rounds less than setting up the key for every token.
    package var tokenMAC: HMAC<SHA256> { storage.tokenMAC }
    package var userAgentMAC: HMAC<SHA256> { storage.userAgentMAC }
    /// The user agents hashed under this key lately, shared by the copies of the key.
    var userAgentHashes: UserAgentHashMemo { storage.userAgentHashes }
    /// The Ed25519 key this key derives for access tokens, under the same key id.
    public var accessTokenKey: AccessTokenSigningKey { storage.accessTokenKey }

    /// Everything above, shared by the copies of the key: a key is handed along with every token
    /// verified, and copying the two HMAC states and the references by value cost more than the
    /// verification's own bookkeeping.
    private final class Storage: Sendable {
        let kid: String
        let key: SymmetricKey
        let userAgentKey: SymmetricKey
        let encodedHeader: [UInt8]
        let tokenMAC: HMAC<SHA256>
        let userAgentMAC: HMAC<SHA256>
        let userAgentHashes = UserAgentHashMemo()
        let accessTokenKey: AccessTokenSigningKey

        init(kid: String, key: SymmetricKey) throws(AccountError) {
            self.kid = kid
            self.key = key
            let derived = HMAC<SHA256>.authenticationCode(for: Array("gatehouse.user-agent-binding".utf8), using: key)
            self.userAgentKey = SymmetricKey(data: Array(derived))
            self.tokenMAC = HMAC<SHA256>(key: key)
            self.userAgentMAC = HMAC<SHA256>(key: userAgentKey)
            self.accessTokenKey = try AccessTokenSigningKey(derivedFrom: key, kid: kid)
            self.encodedHeader = Array(Base64URL.encode(CompactJWS.header(algorithm: "HS256", kid: kid)).utf8)
        }
    }

    private let storage: Storage

    /// Creates a key from raw secret bytes. Throws ``AccountError/Code/invalidConfiguration`` for an
    /// empty secret or a malformed key id.
    public init(kid: String, secret: [UInt8]) throws(AccountError) {
        guard !secret.isEmpty else { throw AccountError.invalidConfiguration(.secret) }
        guard SigningKey.isValidKeyID(kid) else {
            throw AccountError.invalidConfiguration(.keyID)
        }
        self.storage = try Storage(kid: kid, key: SymmetricKey(data: secret))
    }

    /// Creates a key whose HMAC key is the UTF-8 bytes of `secret`, as Powership keys the secret of its
    /// `getTokenSecret`.
    public init(kid: String = SigningKey.defaultKeyID, secret: String) throws(AccountError) {
        try self.init(kid: kid, secret: Array(secret.utf8))
    }

    /// A fresh 256-bit key from `random`. Throws ``AccountError/Code/invalidConfiguration`` for a
    /// malformed key id.
    public static func generate(kid: String, random: any RandomSource = SystemRandomSource()) throws(AccountError) -> SigningKey {
        try SigningKey(kid: kid, secret: random.bytes(32))
    }

    /// The key id used for a secret supplied through `getTokenSecret`.
    public static let defaultKeyID = "default"

    /// The secret bytes, for persisting a generated key. Handle with care.
    package var secretBytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    package static func isValidKeyID(_ kid: String) -> Bool {
        let bytes = kid.utf8
        return (1...64).contains(bytes.count)
            && bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default:
                    false
                }
            }
    }
}
