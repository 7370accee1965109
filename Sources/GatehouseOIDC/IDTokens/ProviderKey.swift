import Crypto
import CryptoExtras
import Foundation
@_spi(Fuzzing) import Gatehouse

/// One of an identity provider's signature keys, read from its JWKS: what checks an ID token's
/// signature.
///
/// Each key checks exactly one algorithm — RS256 for RSA, ES256 for P-256, EdDSA for Ed25519 — so a
/// token cannot choose how its own signature is checked: the algorithm its header names must be its
/// key's. Keys Gatehouse cannot use safely (RSA moduli under 2048 bits, other curves, keys meant for
/// encryption, other algorithms) are never made, rather than made and refused later.
public struct ProviderKey: Sendable {
    /// The JWS algorithms an ID token may be signed with. `none` and the HMAC algorithms are absent on
    /// purpose: a provider's ID token is only trusted for a signature made with a private key.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        /// RSASSA-PKCS1-v1_5 with SHA-256: what most providers (Google, Apple, Microsoft) sign with.
        case rs256 = "RS256"
        /// ECDSA on P-256 with SHA-256; the signature is the raw `r‖s`, 64 bytes.
        case es256 = "ES256"
        /// Ed25519 (RFC 8037).
        case edDSA = "EdDSA"
    }

    /// The key id (`kid`) tokens signed with the private half name in their header; `nil` when the
    /// provider publishes the key without one.
    public let kid: String?
    /// The one algorithm this key checks.
    public let algorithm: Algorithm
    private let verifier: Verifier

    private enum Verifier: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    /// RSA keys shorter than this are refused: 1024-bit moduli are within reach of a determined
    /// attacker, and a forged ID token is a login as anyone.
    public static let minimumRSAModulusBits = 2048
    /// RSA keys longer than this are refused, so that a key set cannot make each check expensive.
    public static let maximumRSAModulusBits = 8192
    /// Key ids longer than this (UTF-8 bytes) make the key unusable; providers use short ids.
    public static let maximumKeyIDLength = 256

    /// Reads one JSON Web Key (RFC 7517); `nil` when the key cannot check ID-token signatures: another
    /// type or curve, `use` other than `sig`, `key_ops` without `verify`, an `alg` other than the
    /// key type's, a malformed or too short key, or a malformed key id.
    public init?(jsonWebKey: Data) {
        guard let members = try? JSONDecoder().decode(Members.self, from: jsonWebKey) else { return nil }
        self.init(members: members)
    }

    /// The key a decoded JWK describes, or `nil` (see ``init(jsonWebKey:)``).
    init?(members: Members) {
        guard members.isObject, members.use == nil || members.use == "sig" else { return nil }
        if let operations = members.keyOperations, !operations.contains("verify") { return nil }
        if let kid = members.kid {
            guard (1...Self.maximumKeyIDLength).contains(kid.utf8.count) else { return nil }
        } else if members.hasKeyID {
            // A `kid` that is not a string: the key could never be named, nor told apart safely.
            return nil
        }
        switch (members.kty, members.crv) {
        case ("RSA", _):
            guard members.alg == nil || members.alg == Algorithm.rs256.rawValue,
                let modulus = Self.decode(members.n), let exponent = Self.decode(members.e),
                !exponent.isEmpty, exponent.count <= 8,
                let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent),
                (Self.minimumRSAModulusBits...Self.maximumRSAModulusBits).contains(key.keySizeInBits)
            else { return nil }
            self.init(kid: members.kid, algorithm: .rs256, verifier: .rsa(key))
        case ("EC", "P-256"):
            guard members.alg == nil || members.alg == Algorithm.es256.rawValue,
                let x = Self.decode(members.x), x.count == 32,
                let y = Self.decode(members.y), y.count == 32,
                let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
            else { return nil }
            self.init(kid: members.kid, algorithm: .es256, verifier: .p256(key))
        case ("OKP", "Ed25519"):
            guard members.alg == nil || members.alg == Algorithm.edDSA.rawValue,
                let x = Self.decode(members.x), x.count == 32,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x)
            else { return nil }
            self.init(kid: members.kid, algorithm: .edDSA, verifier: .ed25519(key))
        default:
            return nil
        }
    }

    private init(kid: String?, algorithm: Algorithm, verifier: Verifier) {
        self.kid = kid
        self.algorithm = algorithm
        self.verifier = verifier
    }

    /// Whether `signature` (the decoded third part of a compact JWS) was made over `signedPart`
    /// (`header.payload`, as sent) by this key's private half, with this key's algorithm.
    public func isValidSignature(_ signature: [UInt8], for signedPart: some DataProtocol) -> Bool {
        switch verifier {
        case .rsa(let key):
            // PKCS#1 v1.5 signatures are exactly as long as the modulus; anything else is not one.
            guard signature.count == (key.keySizeInBits + 7) / 8 else { return false }
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: SHA256.hash(data: signedPart),
                padding: .insecurePKCS1v1_5
            )
        case .p256(let key):
            guard signature.count == 64, let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: signedPart)
        case .ed25519(let key):
            guard signature.count == 64 else { return false }
            return key.isValidSignature(signature, for: signedPart)
        }
    }

    /// Strict base64url, except that trailing `=` padding is tolerated: some providers pad key
    /// members, and key material comes from the provider, not from a token.
    private static func decode(_ text: String?) -> [UInt8]? {
        guard var text, !text.isEmpty else { return nil }
        while text.hasSuffix("=") { text.removeLast() }
        return Base64URL.decode(text)
    }
}

extension ProviderKey {
    /// The members of a JWK, each read only when it has the expected type, so that one key of an
    /// unknown shape never makes a whole key set unreadable.
    struct Members: Decodable {
        var isObject = false
        var kty: String?
        var crv: String?
        var alg: String?
        var use: String?
        var kid: String?
        var hasKeyID = false
        var keyOperations: [String]?
        var n: String?
        var e: String?
        var x: String?
        var y: String?

        init(from decoder: any Decoder) throws {
            // Not an object (a string, a number in the `keys` array): an unusable key, not an error.
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
            func text(_ key: CodingKeys) -> String? { (try? container.decodeIfPresent(String.self, forKey: key)) ?? nil }
            isObject = true
            kty = text(.kty)
            crv = text(.crv)
            alg = text(.alg)
            use = text(.use)
            kid = text(.kid)
            hasKeyID = container.contains(.kid) && !((try? container.decodeNil(forKey: .kid)) ?? false)
            keyOperations = (try? container.decodeIfPresent([String].self, forKey: .keyOperations)) ?? nil
            if keyOperations == nil, container.contains(.keyOperations), (try? container.decodeNil(forKey: .keyOperations)) != true {
                // Present but not a list of strings: no operation can be read as allowed.
                keyOperations = []
            }
            n = text(.n)
            e = text(.e)
            x = text(.x)
            y = text(.y)
        }

        enum CodingKeys: String, CodingKey {
            case kty, crv, alg, use, kid, n, e, x, y
            case keyOperations = "key_ops"
        }
    }
}
