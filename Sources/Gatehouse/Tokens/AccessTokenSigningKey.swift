import Crypto

/// The private Ed25519 key that signs access tokens, with its key id.
///
/// A server does not keep these keys apart from its session-token keys: each ``SigningKey`` derives
/// one (HKDF-SHA256 over the key's secret, with a label of its own), under the same key id. So the
/// access-token key is stored, rotated and retired with the key it comes from, and knowing it tells
/// nothing about the HMAC key.
public struct AccessTokenSigningKey: Sendable {
    /// The key id written into each access token's header.
    public let kid: String
    package let privateKey: Curve25519.Signing.PrivateKey
    /// base64url of the token header for this key, computed once.
    package let encodedHeader: [UInt8]

    /// The public half, for the JWKS.
    public var publicKey: AccessTokenPublicKey { AccessTokenPublicKey(kid: kid, key: privateKey.publicKey) }

    /// A key from an Ed25519 private key. Throws ``AccountError/Code/invalidConfiguration`` for a
    /// malformed key id.
    public init(kid: String, privateKey: Curve25519.Signing.PrivateKey) throws(AccountError) {
        guard SigningKey.isValidKeyID(kid) else { throw AccountError.invalidConfiguration(.keyID) }
        self.kid = kid
        self.privateKey = privateKey
        self.encodedHeader = Array(Base64URL.encode(CompactJWS.header(algorithm: "EdDSA", kid: kid)).utf8)
    }

    /// The key a session-token key's secret derives.
    package init(derivedFrom secret: SymmetricKey, kid: String) throws(AccountError) {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret,
            info: Array("gatehouse.access-token.ed25519".utf8),
            outputByteCount: 32
        )
        let privateKey: Curve25519.Signing.PrivateKey
        do {
            privateKey = try seed.withUnsafeBytes { try Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
        } catch {
            throw AccountError.invalidConfiguration(.secret)
        }
        try self.init(kid: kid, privateKey: privateKey)
    }
}
