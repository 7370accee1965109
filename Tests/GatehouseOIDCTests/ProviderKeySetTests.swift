import Crypto
import CryptoExtras
import Foundation
import Gatehouse
import GatehouseOIDC
import Testing

/// A JWKS document and the key ids a reader must keep from it (`nil`: the document is refused).
struct KeySetCase: Sendable, CustomTestStringConvertible {
    let name: String
    let expected: [String]?
    let document: @Sendable () -> Data

    var testDescription: String { name }

    /// A set of `keys` beside one usable key, `good`, so that only the odd keys' fate is tested.
    static func beside(_ name: String, keep expected: [String] = ["good"], _ keys: @escaping @Sendable () -> [[String: Any]]) -> KeySetCase {
        KeySetCase(name: name, expected: expected) { TestProvider.keySet([TestProvider.ed25519.jwk(kid: "good")] + keys()) }
    }

    static let all: [KeySetCase] = [
        KeySetCase(name: "RSA, EC and OKP keys are all kept", expected: ["ec-1", "ed-1", "rsa-1"]) { TestProvider.keySet() },
        beside("an RSA key under 2048 bits is refused") {
            let small = try? _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
            return small.map { [TestKey.rsa($0).jwk(kid: "small")] } ?? []
        },
        beside("use: enc is skipped") { [TestProvider.rsa.jwk(kid: "enc", ["use": "enc"])] },
        beside("key_ops without verify is skipped") {
            var key = TestProvider.p256.jwk(kid: "ops")
            key["key_ops"] = ["encrypt"]
            return [key]
        },
        beside("key_ops with verify is kept", keep: ["good", "ops"]) {
            var key = TestProvider.p256.jwk(kid: "ops")
            key["key_ops"] = ["verify"]
            return [key]
        },
        beside("EC on P-384 is skipped") {
            let key = P384.Signing.PrivateKey().publicKey.rawRepresentation
            return [["kty": "EC", "crv": "P-384", "kid": "p384", "x": encode(key.prefix(48)), "y": encode(key.suffix(48))]]
        },
        beside("EC secp256k1 is skipped") { [TestProvider.p256.jwk(kid: "k1", ["crv": "secp256k1"])] },
        beside("OKP X25519 is skipped") { [TestProvider.ed25519.jwk(kid: "x", ["crv": "X25519"])] },
        beside("an RSA key stating RS384 is skipped") { [TestProvider.rsa.jwk(kid: "rs384", ["alg": "RS384"])] },
        beside("an RSA key stating PS256 is skipped") { [TestProvider.rsa.jwk(kid: "ps256", ["alg": "PS256"])] },
        beside("an EC key stating RS256 is skipped") { [TestProvider.p256.jwk(kid: "mixed", ["alg": "RS256"])] },
        beside("a key without alg is kept for its type's algorithm", keep: ["good", "no-alg"]) {
            var key = TestProvider.rsa.jwk(kid: "no-alg")
            key["alg"] = nil
            key["use"] = nil
            return [key]
        },
        beside("a symmetric key is skipped") { [["kty": "oct", "k": "c2VjcmV0", "kid": "oct", "alg": "HS256"]] },
        beside("an EC point off the curve is skipped") { [TestProvider.p256.jwk(kid: "off", ["y": encode([UInt8](repeating: 1, count: 32))])] },
        beside("a malformed member is skipped") { [TestProvider.ed25519.jwk(kid: "bad", ["x": "!!"])] },
        beside("a numeric kid is skipped") {
            var key = TestProvider.p256.jwk(kid: nil)
            key["kid"] = 7
            return [key]
        },
        beside("entries that are not objects are skipped") { [] }.adding(["not a key", 42]),
        beside("a second key with the same kid is ignored") { [TestProvider.p256.jwk(kid: "good")] },
        KeySetCase(name: "an empty set is refused", expected: nil) { TestProvider.keySet([]) },
        KeySetCase(name: "a set of unusable keys is refused", expected: nil) {
            TestProvider.keySet([TestProvider.rsa.jwk(kid: "enc", ["use": "enc"])])
        },
        KeySetCase(name: "a document that is not JSON is refused", expected: nil) { Data("<html></html>".utf8) },
        KeySetCase(name: "a document without keys is refused", expected: nil) { Data(#"{"issuer":"x"}"#.utf8) },
        KeySetCase(name: "a huge document is refused", expected: nil) {
            TestProvider.json(["keys": [TestProvider.ed25519.jwk(kid: "good")], "padding": String(repeating: "p", count: 200 * 1024)])
        },
    ]

    /// The same case with `extra` raw entries appended to the `keys` array.
    func adding(_ extra: [any Sendable]) -> KeySetCase {
        KeySetCase(name: name, expected: expected) {
            let document = document()
            guard var object = (try? JSONSerialization.jsonObject(with: document)) as? [String: Any], let keys = object["keys"] as? [Any] else {
                return document
            }
            object["keys"] = keys + extra.map { $0 as Any }
            return TestProvider.json(object)
        }
    }
}

@Suite("ProviderKeySet: JWKS documents are read key by key")
struct ProviderKeySetTests {
    @Test("keys kept and refused", arguments: KeySetCase.all)
    func parse(_ testCase: KeySetCase) throws {
        if let expected = testCase.expected {
            #expect(try ProviderKeySet(parsing: testCase.document()).keyIDs == expected)
        } else {
            #expect(throws: AccountError.providerUnavailable()) { try ProviderKeySet(parsing: testCase.document()) }
        }
    }

    @Test("each key checks only its own algorithm")
    func algorithms() throws {
        let set = try ProviderKeySet(parsing: TestProvider.keySet())
        let algorithms = Dictionary(uniqueKeysWithValues: set.keys.compactMap { key in key.kid.map { ($0, key.algorithm) } })
        #expect(algorithms == ["rsa-1": .rs256, "ec-1": .es256, "ed-1": .edDSA])
    }

    @Test("a single JWK is read on its own")
    func singleKey() throws {
        let key = try #require(ProviderKey(jsonWebKey: TestProvider.json(TestProvider.p256.jwk(kid: "ec-1"))))
        #expect(key.kid == "ec-1")
        #expect(key.algorithm == .es256)
        let data = Array("header.payload".utf8)
        #expect(key.isValidSignature(TestProvider.p256.sign(data), for: data))
        #expect(!key.isValidSignature(TestProvider.stranger.sign(data), for: data))
        #expect(ProviderKey(jsonWebKey: TestProvider.json(TestProvider.p256.jwk(kid: "ec-1", ["use": "enc"]))) == nil)
    }
}
