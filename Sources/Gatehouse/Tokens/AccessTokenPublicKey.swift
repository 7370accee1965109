import Crypto

/// The public half of an access-token key: what a service needs to check access tokens, as
/// published in the issuer's JWKS.
public struct AccessTokenPublicKey: Sendable {
    /// The key id (`kid`) tokens signed with the private half name in their header.
    public let kid: String
    package let key: Curve25519.Signing.PublicKey

    /// A key from its 32 raw bytes (the JWK `x` member, decoded). Throws
    /// ``AccountError/Code/invalidConfiguration`` for a malformed key id or key.
    public init(kid: String, rawRepresentation: [UInt8]) throws(AccountError) {
        guard SigningKey.isValidKeyID(kid) else { throw AccountError.invalidConfiguration(.keyID) }
        guard rawRepresentation.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else {
            throw AccountError.invalidConfiguration(.secret)
        }
        self.kid = kid
        self.key = key
    }

    package init(kid: String, key: Curve25519.Signing.PublicKey) {
        self.kid = kid
        self.key = key
    }

    /// The 32 bytes of the key.
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    /// The key as a JSON Web Key (RFC 8037): `OKP`, `Ed25519`, `alg: EdDSA`, `use: sig`.
    public var jsonWebKey: JSONWebKey {
        JSONWebKey(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(rawRepresentation), kid: kid, alg: "EdDSA", use: "sig")
    }
}
