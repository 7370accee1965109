import Crypto
import Foundation
import Gatehouse
import GatehouseTesting
import Testing

@testable import GatehouseOIDC

@Suite("IDTokenVerifier: the tokens a provider signs are accepted")
struct IDTokenAcceptanceTests {
    static func verifier() -> IDTokenVerifier {
        IDTokenVerifier(keys: ProviderKeyCache(source: CountingKeySetSource(), clock: ManualWallClock(TestProvider.now)))
    }

    @Test("RS256, ES256 and EdDSA tokens verify and give their claims", arguments: [("RS256", "rsa-1"), ("ES256", "ec-1"), ("EdDSA", "ed-1")])
    func accepted(algorithm: String, kid: String) async throws {
        let key =
            switch algorithm {
            case "RS256": TestProvider.rsa
            case "ES256": TestProvider.p256
            default: TestProvider.ed25519
            }
        let token = TestProvider.token(key: key, kid: kid, claims: ["preferred_username": "ada", "given_name": "Ada", "family_name": "Lovelace"])
        let claims = try await Self.verifier().verify(token, expecting: TestProvider.expectations())
        #expect(
            claims
                == IDTokenClaims(
                    issuer: TestProvider.issuer,
                    subject: "user-123",
                    audiences: [TestProvider.clientID],
                    expiresAt: TestProvider.now.addingTimeInterval(600),
                    issuedAt: TestProvider.now,
                    nonce: TestProvider.nonce,
                    email: "ada@example.test",
                    emailVerified: true,
                    name: "Ada Lovelace",
                    preferredUsername: "ada",
                    givenName: "Ada",
                    familyName: "Lovelace"
                )
        )
    }

    @Test(
        "email_verified is read as a bool or as Apple's strings; anything else is false",
        arguments: [(true, true), (false, false), ("true", true), ("false", false), (1, false), ("yes", false)] as [(any Sendable, Bool)]
    )
    func emailVerified(value: any Sendable, expected: Bool) async throws {
        let token = TestProvider.token(claims: ["email_verified": value])
        #expect(try await Self.verifier().verify(token, expecting: TestProvider.expectations()).emailVerified == expected)
    }

    @Test("an app's raw nonce matches a token carrying it or its SHA-256 hex digest, and nothing else")
    func nonceDigest() async throws {
        let verifier = Self.verifier()
        let raw = "app-raw-nonce-1234"
        let digest = "a9d1b2d2d1d3c1e0f7e7b2b7c9ed3d0bca3a7e32c0f2c5a0e0d8f9c3b3a2c1d0"
        #expect(IDTokenVerifier.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let rule = IDTokenExpectations.NonceRule.mustEqualOrDigest(raw)
        for carried in [raw, IDTokenVerifier.hexDigest(raw)] {
            let token = TestProvider.token(claims: ["nonce": carried])
            #expect(try await verifier.verify(token, expecting: TestProvider.expectations(nonce: rule)).nonce == carried)
        }
        for carried in [digest, IDTokenVerifier.hexDigest(raw).uppercased(), raw + "x"] {
            await expectRefusal(.nonce) {
                _ = try await verifier.verify(TestProvider.token(claims: ["nonce": carried]), expecting: TestProvider.expectations(nonce: rule))
            }
        }
        await expectRefusal(.nonce) {
            _ = try await verifier.verify(TestProvider.token(claims: ["nonce": nil]), expecting: TestProvider.expectations(nonce: rule))
        }
    }

    @Test("several audiences with an accepted azp, a header without kid, a nonce-less token and the leeway are accepted")
    func edges() async throws {
        let verifier = Self.verifier()
        let native = TestProvider.token(claims: ["aud": [TestProvider.clientID, "com.example.ios"], "azp": "com.example.ios"])
        let claims = try await verifier.verify(native, expecting: TestProvider.expectations(audiences: [TestProvider.clientID, "com.example.ios"]))
        #expect(claims.audiences == [TestProvider.clientID, "com.example.ios"])
        #expect(claims.authorizedParty == "com.example.ios")

        // One RS256 key in the set: a token may leave out its kid.
        let noKid = TestProvider.token(kid: nil)
        #expect(try await verifier.verify(noKid, expecting: TestProvider.expectations()).subject == "user-123")

        let noNonce = TestProvider.token(claims: ["nonce": nil])
        #expect(try await verifier.verify(noNonce, expecting: TestProvider.expectations(nonce: .mustBeAbsent)).nonce == nil)

        let justExpired = TestProvider.token(claims: ["exp": TestProvider.now.timeIntervalSince1970 - 30])
        _ = try await verifier.verify(justExpired, expecting: TestProvider.expectations())
        let slightlyAhead = TestProvider.token(claims: [
            "iat": TestProvider.now.timeIntervalSince1970 + 30, "nbf": TestProvider.now.timeIntervalSince1970 + 30,
        ])
        _ = try await verifier.verify(slightlyAhead, expecting: TestProvider.expectations())
    }

    @Test("errors never carry the token")
    func errorsAreClean() async {
        let token = TestProvider.token(claims: ["iss": "https://evil.example.test"])
        do {
            _ = try await Self.verifier().verify(token, expecting: TestProvider.expectations())
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains(token.prefix(20)))
            #expect(!error.description.contains(token.prefix(20)))
            #expect(error.detail == .tokenIssuer)
        }
    }
}

/// A token a provider would not issue, or not for this login, and the check that must refuse it.
struct HostileToken: Sendable, CustomTestStringConvertible {
    let name: String
    let detail: AccountError.Detail
    var nonce: IDTokenExpectations.NonceRule = .mustEqual(TestProvider.nonce)
    var audiences: Set<String> = [TestProvider.clientID]
    let token: @Sendable () -> String

    var testDescription: String { name }

    static let all: [HostileToken] = [
        HostileToken(name: "alg none", detail: .tokenHeader) {
            encode(TestProvider.json(["alg": "none"])) + "." + encode(TestProvider.json(TestProvider.claims())) + "."
        },
        HostileToken(name: "HS256 keyed with the RSA public key", detail: .tokenHeader) {
            let signed = encode(TestProvider.json(["alg": "HS256", "kid": "rsa-1"])) + "." + encode(TestProvider.json(TestProvider.claims()))
            guard case .rsa(let key) = TestProvider.rsa else { return signed }
            let mac = HMAC<SHA256>.authenticationCode(for: Array(signed.utf8), using: SymmetricKey(data: Array(key.publicKey.pemRepresentation.utf8)))
            return signed + "." + encode(Array(mac))
        },
        HostileToken(name: "an algorithm the named key does not check", detail: .tokenHeader) {
            TestProvider.token(key: TestProvider.p256, kid: "rsa-1")
        },
        HostileToken(name: "a critical header extension", detail: .tokenHeader) {
            TestProvider.token(header: ["alg": "RS256", "kid": "rsa-1", "crit": ["exp"], "exp": 1])
        },
        HostileToken(name: "an access token (typ at+jwt)", detail: .tokenHeader) {
            TestProvider.token(header: ["alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"])
        },
        HostileToken(name: "a wrong signature", detail: .tokenSignature) {
            let token = TestProvider.token()
            let signature = token.split(separator: ".")[2]
            var bytes = [UInt8](decode(signature) ?? Data())
            bytes[bytes.count / 2] ^= 0x01
            return token.dropLast(signature.count) + encode(bytes)
        },
        HostileToken(name: "the signature of another key", detail: .tokenSignature) {
            TestProvider.token(key: TestProvider.stranger, kid: "ec-1")
        },
        HostileToken(name: "an ES256 signature in DER", detail: .tokenSignature) {
            let signed = encode(TestProvider.json(["alg": "ES256", "kid": "ec-1"])) + "." + encode(TestProvider.json(TestProvider.claims()))
            guard case .p256(let key) = TestProvider.p256, let signature = try? key.signature(for: Array(signed.utf8)) else { return signed }
            return signed + "." + encode(Array(signature.derRepresentation))
        },
        HostileToken(name: "an unknown kid", detail: .unknownKey) {
            TestProvider.token(key: TestProvider.stranger, kid: "ec-2")
        },
        HostileToken(name: "a wrong iss", detail: .tokenIssuer) {
            TestProvider.token(claims: ["iss": "https://id.example.test/"])
        },
        HostileToken(name: "no iss", detail: .tokenIssuer) {
            TestProvider.token(claims: ["iss": nil])
        },
        HostileToken(name: "a wrong aud", detail: .tokenAudience) {
            TestProvider.token(claims: ["aud": "client-2"])
        },
        HostileToken(name: "aud an array of others", detail: .tokenAudience) {
            TestProvider.token(claims: ["aud": ["client-2", "client-3"]])
        },
        HostileToken(name: "several aud without azp", detail: .authorizedParty) {
            TestProvider.token(claims: ["aud": [TestProvider.clientID, "client-2"]])
        },
        HostileToken(name: "a wrong azp", detail: .authorizedParty) {
            TestProvider.token(claims: ["azp": "client-2"])
        },
        HostileToken(name: "expired", detail: .tokenExpired) {
            TestProvider.token(claims: ["iat": TestProvider.now.timeIntervalSince1970 - 3600, "exp": TestProvider.now.timeIntervalSince1970 - 61])
        },
        HostileToken(name: "no exp", detail: .tokenClaims) {
            TestProvider.token(claims: ["exp": nil])
        },
        HostileToken(name: "exp a string", detail: .tokenClaims) {
            TestProvider.token(claims: ["exp": "1700000600"])
        },
        HostileToken(name: "iat in the future", detail: .tokenNotYetValid) {
            TestProvider.token(claims: ["iat": TestProvider.now.timeIntervalSince1970 + 120])
        },
        HostileToken(name: "nbf in the future", detail: .tokenNotYetValid) {
            TestProvider.token(claims: ["nbf": TestProvider.now.timeIntervalSince1970 + 120])
        },
        HostileToken(name: "a wrong nonce", detail: .nonce) {
            TestProvider.token(claims: ["nonce": "n-other"])
        },
        HostileToken(name: "the nonce missing", detail: .nonce) {
            TestProvider.token(claims: ["nonce": nil])
        },
        HostileToken(name: "a nonce where none was sent", detail: .nonce, nonce: .mustBeAbsent) {
            TestProvider.token()
        },
        HostileToken(name: "no sub", detail: .tokenClaims) {
            TestProvider.token(claims: ["sub": nil])
        },
        HostileToken(name: "an empty sub", detail: .tokenClaims) {
            TestProvider.token(claims: ["sub": ""])
        },
        HostileToken(name: "a sub over 255 bytes", detail: .tokenClaims) {
            TestProvider.token(claims: ["sub": String(repeating: "s", count: 256)])
        },
        HostileToken(name: "three dots", detail: .tokenMalformed) {
            TestProvider.token() + ".e30"
        },
        HostileToken(name: "two parts", detail: .tokenMalformed) {
            let token = TestProvider.token()
            return String(token[..<(token.lastIndex(of: ".") ?? token.endIndex)])
        },
        HostileToken(name: "a huge token", detail: .tokenMalformed) {
            TestProvider.token(claims: ["padding": String(repeating: "p", count: 16 * 1024)])
        },
        HostileToken(name: "a payload that is not JSON", detail: .tokenMalformed) {
            TestProvider.token(payload: Array("not json".utf8))
        },
        HostileToken(name: "a payload that is a JSON array", detail: .tokenMalformed) {
            TestProvider.token(payload: Array("[1,2]".utf8))
        },
        HostileToken(name: "a header that is not JSON", detail: .tokenMalformed) {
            let signed = encode(Array("{alg:RS256".utf8)) + "." + encode(TestProvider.json(TestProvider.claims()))
            return signed + "." + encode(TestProvider.rsa.sign(Array(signed.utf8)))
        },
        HostileToken(name: "bad base64", detail: .tokenMalformed) {
            let token = TestProvider.token()
            let parts = token.split(separator: ".")
            return parts[0] + "." + parts[1].dropLast() + "+." + parts[2]
        },
        HostileToken(name: "padded base64", detail: .tokenMalformed) {
            let token = TestProvider.token()
            let parts = token.split(separator: ".")
            return parts[0] + "==." + parts[1] + "." + parts[2]
        },
    ]
}

@Suite("IDTokenVerifier: hostile tokens are refused by the check named")
struct IDTokenRefusalTests {
    @Test("refused", arguments: HostileToken.all)
    func refused(_ hostile: HostileToken) async {
        let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: CountingKeySetSource(), clock: ManualWallClock(TestProvider.now)))
        var expectations = TestProvider.expectations(nonce: hostile.nonce, audiences: hostile.audiences)
        expectations.now = TestProvider.now
        await expectRefusal(hostile.detail) { _ = try await verifier.verify(hostile.token(), expecting: expectations) }
    }

    @Test("a maximum lifetime refuses a token that lives longer")
    func maximumLifetime() async throws {
        let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: CountingKeySetSource(), clock: ManualWallClock(TestProvider.now)))
        let longLived = TestProvider.token(claims: ["exp": TestProvider.now.timeIntervalSince1970 + 2 * 86400])
        var expectations = TestProvider.expectations()
        _ = try await verifier.verify(longLived, expecting: expectations)
        expectations.maximumLifetime = .seconds(86400)
        await expectRefusal(.tokenClaims) { _ = try await verifier.verify(longLived, expecting: expectations) }
    }

    @Test("without a kid, a set with two keys of the algorithm cannot say which")
    func ambiguousKey() async {
        let second = TestKey.p256(P256.Signing.PrivateKey())
        let source = CountingKeySetSource(TestProvider.keySet([TestProvider.p256.jwk(kid: "ec-1"), second.jwk(kid: "ec-2")]))
        let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: source, clock: ManualWallClock(TestProvider.now)))
        await expectRefusal(.unknownKey) {
            _ = try await verifier.verify(TestProvider.token(key: second, kid: nil), expecting: TestProvider.expectations())
        }
    }
}
