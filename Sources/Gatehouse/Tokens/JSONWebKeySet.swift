import Foundation

/// One key of a JWKS document, as Gatehouse publishes it (RFC 7517, RFC 8037).
public struct JSONWebKey: Sendable, Equatable, Codable {
    public var kty: String
    public var crv: String?
    public var x: String?
    public var kid: String?
    public var alg: String?
    public var use: String?

    public init(kty: String, crv: String?, x: String?, kid: String?, alg: String?, use: String?) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.kid = kid
        self.alg = alg
        self.use = use
    }
}

/// A JWKS document: `{"keys":[…]}`.
public struct JSONWebKeySet: Sendable, Equatable, Codable {
    public var keys: [JSONWebKey]

    public init(keys: [JSONWebKey]) {
        self.keys = keys
    }

    /// The document publishing `keys`.
    public init(publishing keys: [AccessTokenPublicKey]) {
        self.keys = keys.map(\.jsonWebKey)
    }

    /// The Ed25519 signing keys of a JWKS document, by key id.
    ///
    /// Keys of other types or curves, keys for encryption, and keys with a malformed id or value are
    /// left out, as RFC 7517 asks of a reader that does not understand a key; a document that is not
    /// a key set at all, or names one key id twice, throws ``AccountError/Code/invalidRequest``.
    public static func ed25519Keys(in document: Data) throws(AccountError) -> [String: AccessTokenPublicKey] {
        let set: LenientSet
        do {
            set = try JSONDecoder().decode(LenientSet.self, from: document)
        } catch {
            throw AccountError.invalidRequest(.body)
        }
        var keys: [String: AccessTokenPublicKey] = [:]
        for key in set.keys {
            guard key.kty == "OKP", key.crv == "Ed25519", key.alg == nil || key.alg == "EdDSA", key.use == nil || key.use == "sig",
                let kid = key.kid, let x = key.x, let raw = Base64URL.decode(x),
                let publicKey = try? AccessTokenPublicKey(kid: kid, rawRepresentation: raw)
            else { continue }
            guard keys.updateValue(publicKey, forKey: kid) == nil else { throw AccountError.invalidRequest(.keyID) }
        }
        return keys
    }

    /// Every member optional and of any type, so that one key Gatehouse cannot use does not make the
    /// others unreadable.
    private struct LenientSet: Decodable {
        var keys: [LenientKey]
    }

    private struct LenientKey: Decodable {
        var kty: String?
        var crv: String?
        var x: String?
        var kid: String?
        var alg: String?
        var use: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func text(_ key: CodingKeys) -> String? { (try? container.decodeIfPresent(String.self, forKey: key)) ?? nil }
            kty = text(.kty)
            crv = text(.crv)
            x = text(.x)
            kid = text(.kid)
            alg = text(.alg)
            use = text(.use)
        }

        enum CodingKeys: String, CodingKey {
            case kty, crv, x, kid, alg, use
        }
    }
}
