import Crypto
import Foundation
import GatehouseTesting
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Access token codec")
struct AccessTokenCodecTests {
    static let issuer = "https://auth.example.test"
    static let signingKey = try! SigningKey(kid: "k1", secret: Array("access-token-codec-test-secret-0123456789".utf8))
    static let now: Int64 = 1_700_000_000

    let codec = AccessTokenCodec()
    var key: AccessTokenSigningKey { Self.signingKey.accessTokenKey }
    let expectations = AccessTokenCodec.Expectations(issuer: AccessTokenCodecTests.issuer, audience: "billing", leeway: 30)

    static func claims(audience: String = "billing", expiresAt: Int64 = now + 300) -> AccessTokenClaims {
        AccessTokenClaims(
            issuer: issuer,
            accountID: "01HZX3K2M4N5P6Q7R8S9T0V1W2",
            sessionID: "01HZX3K2M4N5P6Q7R8S9T0V1W3",
            audience: audience,
            issuedAt: now,
            expiresAt: expiresAt,
            tokenID: "jti-1"
        )
    }

    func verify(_ token: String, with publicKey: AccessTokenPublicKey? = nil, at time: Int64 = AccessTokenCodecTests.now) throws -> AccessTokenClaims
    {
        try codec.verify(codec.parse(token), with: publicKey ?? key.publicKey, expecting: expectations, now: time)
    }

    /// Signs any header and payload with `privateKey` (the test key by default), as someone who knows
    /// the format would.
    static func forge(header: String, payload: String, privateKey: Curve25519.Signing.PrivateKey = signingKey.accessTokenKey.privateKey) -> String {
        let signingInput = base64url(header) + "." + base64url(payload)
        let signature = try! privateKey.signature(for: Array(signingInput.utf8))
        return signingInput + "." + base64url(Array(signature))
    }

    static let goodHeader = #"{"alg":"EdDSA","typ":"JWT","kid":"k1"}"#
    static func payload(_ members: String = #""aud":"billing""#, iss: String = issuer, exp: Int64 = now + 300, iat: Int64 = now) -> String {
        #"{"iss":"\#(iss)","sub":"A1","sid":"S1",\#(members),"iat":\#(iat),"exp":\#(exp),"jti":"J1"}"#
    }

    @Test func roundTripKeepsEveryClaim() throws {
        let token = codec.sign(Self.claims(), with: key)
        #expect(try verify(token) == Self.claims())
        let header = try jwtSegment(token, 0)
        #expect(header as NSDictionary == ["alg": "EdDSA", "typ": "JWT", "kid": "k1"] as NSDictionary)
        #expect(Set(try jwtSegment(token, 1).keys) == ["iss", "sub", "sid", "aud", "iat", "exp", "jti"])
    }

    @Test func signaturesAreEd25519OverTheSigningInput() throws {
        let token = codec.sign(Self.claims(), with: key)
        let parts = token.split(separator: ".").map(String.init)
        let signature = try #require(Base64URL.decode(parts[2]))
        #expect(signature.count == 64)
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey.rawRepresentation)
        #expect(publicKey.isValidSignature(signature, for: Array((parts[0] + "." + parts[1]).utf8)))
    }

    @Test func forgeryHelperMakesTokensThatVerify() throws {
        #expect(try verify(Self.forge(header: Self.goodHeader, payload: Self.payload())).accountID == "A1")
    }

    @Test func keysAreDerivedPerSecretAndApartFromTheHMACKey() throws {
        let again = try SigningKey(kid: "k1", secret: Array("access-token-codec-test-secret-0123456789".utf8))
        #expect(again.accessTokenKey.publicKey.rawRepresentation == key.publicKey.rawRepresentation)
        let other = try SigningKey(kid: "k2", secret: Array("another-secret-for-another-key-0123456789".utf8))
        #expect(other.accessTokenKey.publicKey.rawRepresentation != key.publicKey.rawRepresentation)
        #expect(other.accessTokenKey.kid == "k2")
        // The Ed25519 seed is not the HMAC key itself.
        #expect(key.privateKey.rawRepresentation != Data("access-token-codec-test-secret-0123456789".utf8.prefix(32)))
    }

    @Test func leewayCoversExpiryAndTheFuture() throws {
        let token = codec.sign(Self.claims(), with: key)
        _ = try verify(token, at: Self.now + 300 + 29)
        expectRefusal(.tokenExpired) { _ = try verify(token, at: Self.now + 300 + 30) }
        _ = try verify(token, at: Self.now - 30)
        expectRefusal(.tokenNotYetValid) { _ = try verify(token, at: Self.now - 31) }
    }

    /// Every way an access token can be wrong, and the check that must catch it.
    static let hostileTokens: [(String, String, AccountError.Detail)] = {
        let h = goodHeader
        let p = payload()
        let valid = forge(header: h, payload: p)
        let parts = valid.split(separator: ".").map(String.init)
        let publicKeyBytes = signingKey.accessTokenKey.publicKey.rawRepresentation
        func hmacForged(_ header: String, key: [UInt8]) -> String {
            let input = base64url(header) + "." + base64url(p)
            return input + "." + base64url(Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: key))))
        }
        let stranger = Curve25519.Signing.PrivateKey()
        return [
            ("empty", "", .tokenMalformed),
            ("two segments", parts[0] + "." + parts[1], .tokenMalformed),
            ("four segments", valid + ".AAAA", .tokenMalformed),
            ("alg none", base64url(#"{"alg":"none","typ":"JWT","kid":"k1"}"#) + "." + parts[1] + ".AAAA", .tokenHeader),
            ("alg none, no signature", base64url(#"{"alg":"none","kid":"k1"}"#) + "." + parts[1] + ".", .tokenMalformed),
            ("HS256 with the public key as secret", hmacForged(#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#, key: publicKeyBytes), .tokenHeader),
            ("EdDSA header, HMAC of the public key", hmacForged(h, key: publicKeyBytes), .tokenMalformed),
            ("alg Ed25519", forge(header: #"{"alg":"Ed25519","typ":"JWT","kid":"k1"}"#, payload: p), .tokenHeader),
            ("alg lower case", forge(header: #"{"alg":"eddsa","typ":"JWT","kid":"k1"}"#, payload: p), .tokenHeader),
            ("no kid", forge(header: #"{"alg":"EdDSA","typ":"JWT"}"#, payload: p), .tokenHeader),
            ("kid not in the set", forge(header: #"{"alg":"EdDSA","typ":"JWT","kid":"k9"}"#, payload: p), .unknownKey),
            ("embedded jwk", forge(header: #"{"alg":"EdDSA","kid":"k1","jwk":"x"}"#, payload: p), .tokenHeader),
            ("jku header", forge(header: #"{"alg":"EdDSA","kid":"k1","jku":"https://evil.example"}"#, payload: p), .tokenHeader),
            ("crit header", forge(header: #"{"alg":"EdDSA","kid":"k1","crit":"exp"}"#, payload: p), .tokenHeader),
            ("typ at+jwt", forge(header: #"{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}"#, payload: p), .tokenHeader),
            ("signed by another key", forge(header: h, payload: p, privateKey: stranger), .tokenSignature),
            (
                "tampered sub", parts[0] + "." + base64url(p.replacingOccurrences(of: #""sub":"A1""#, with: #""sub":"A2""#)) + "." + parts[2],
                .tokenSignature
            ),
            ("signature truncated", parts[0] + "." + parts[1] + "." + String(parts[2].dropLast(4)), .tokenMalformed),
            (
                "signature flipped", parts[0] + "." + parts[1] + "." + String(parts[2].dropLast()) + (parts[2].hasSuffix("A") ? "Q" : "A"),
                .tokenSignature
            ),
            ("expired", forge(header: h, payload: payload(exp: now - 31, iat: now - 331)), .tokenExpired),
            ("not yet valid", forge(header: h, payload: payload(#""aud":"billing","nbf":\#(now + 31)"#)), .tokenNotYetValid),
            ("issued in the future", forge(header: h, payload: payload(exp: now + 1_000, iat: now + 31)), .tokenNotYetValid),
            ("wrong iss", forge(header: h, payload: payload(iss: "https://evil.example")), .tokenIssuer),
            ("iss with a trailing slash", forge(header: h, payload: payload(iss: issuer + "/")), .tokenIssuer),
            ("wrong aud", forge(header: h, payload: payload(#""aud":"payroll""#)), .tokenAudience),
            (
                "no aud", forge(header: h, payload: #"{"iss":"\#(issuer)","sub":"A1","sid":"S1","iat":\#(now),"exp":\#(now + 300),"jti":"J1"}"#),
                .tokenClaims
            ),
            ("aud as array", forge(header: h, payload: payload(#""aud":["billing"]"#)), .tokenClaims),
            ("duplicate sub", forge(header: h, payload: payload(#""aud":"billing","sub":"A2""#)), .tokenClaims),
            ("unknown claim", forge(header: h, payload: payload(#""aud":"billing","role":"admin""#)), .tokenClaims),
            (
                "exp as string",
                forge(header: h, payload: payload().replacingOccurrences(of: #""exp":\#(now + 300)"#, with: #""exp":"\#(now + 300)""#)), .tokenClaims
            ),
            ("exp before iat", forge(header: h, payload: payload(exp: now - 1, iat: now)), .tokenClaims),
            ("payload not JSON", forge(header: h, payload: "{sub:1}"), .tokenClaims),
            ("1 MiB token", String(repeating: "A", count: 1 << 20), .tokenMalformed),
        ]
    }()

    @Test("hostile access tokens are refused by the check named", arguments: hostileTokens)
    func hostileToken(_ testCase: (String, String, AccountError.Detail)) {
        expectRefusal(testCase.2, "\(testCase.0)") { _ = try verify(testCase.1) }
    }

    @Test func sessionTokensAreNotAccessTokensNorTheOtherWayRound() throws {
        let access = codec.sign(Self.claims(), with: key)
        expectRefusal(.tokenHeader) { _ = try AuthTokenCodec().parse(access) }
        let session = AuthTokenCodec().sign(
            AuthTokenClaims(sessionID: "S1", accountID: "A1", issuedAt: Self.now, expiresAt: Self.now + 60, secret: Array(0..<32)),
            with: Self.signingKey
        )
        expectRefusal(.tokenHeader) { _ = try verify(session) }
    }

    @Test func seededMutationsAreAllRefusedCleanly() throws {
        let token = Array(codec.sign(Self.claims(), with: key).utf8)
        let random = SeededRandomSource(seed: 11)
        for _ in 0..<2_000 {
            var mutated = token
            let index = Int(random.bytes(2).withUnsafeBytes { $0.load(as: UInt16.self) }) % mutated.count
            let replacement = random.bytes(1)[0]
            guard mutated[index] != replacement else { continue }
            mutated[index] = replacement
            do {
                let claims = try verify(String(decoding: mutated, as: UTF8.self))
                // Only a change that base64url decodes to the same bytes could pass, and there is none.
                Issue.record("a mutated token verified: \(claims.tokenID)")
            } catch let error as AccountError {
                #expect(error.code == .tokenVerificationFailed)
            }
        }
    }
}

/// Expects `body` to throw `TokenVerificationFailed` with `detail` (errors compare by code alone).
func expectRefusal(
    _ detail: AccountError.Detail,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("accepted; expected \(detail)", sourceLocation: sourceLocation)
    } catch let error as AccountError {
        #expect(error.code == .tokenVerificationFailed, comment, sourceLocation: sourceLocation)
        #expect(error.detail == detail, comment, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("JWKS documents")
struct JSONWebKeySetTests {
    let key = AccessTokenCodecTests.signingKey.accessTokenKey.publicKey

    @Test func publishedDocumentReadsBack() throws {
        let document = try JSONEncoder().encode(JSONWebKeySet(publishing: [key]))
        let object = try #require(try JSONSerialization.jsonObject(with: document) as? [String: [[String: String]]])
        #expect(
            object["keys"]?.first == [
                "kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(key.rawRepresentation), "kid": "k1", "alg": "EdDSA", "use": "sig",
            ]
        )
        let read = try JSONWebKeySet.ed25519Keys(in: document)
        #expect(read.keys.sorted() == ["k1"])
        #expect(read["k1"]?.rawRepresentation == key.rawRepresentation)
    }

    @Test func keysGatehouseCannotUseAreLeftOut() throws {
        let x = Base64URL.encode(key.rawRepresentation)
        let document = """
            {"keys":[
              {"kty":"RSA","kid":"rsa","n":"AQAB","e":"AQAB"},
              {"kty":"OKP","crv":"X25519","kid":"x","x":"\(x)"},
              {"kty":"OKP","crv":"Ed25519","kid":"enc","x":"\(x)","use":"enc"},
              {"kty":"OKP","crv":"Ed25519","kid":"short","x":"AAAA"},
              {"kty":"OKP","crv":"Ed25519","kid":"bad id!","x":"\(x)"},
              {"kty":"OKP","crv":"Ed25519","kid":7,"x":"\(x)"},
              {"kty":"OKP","crv":"Ed25519","kid":"good","x":"\(x)"}
            ],"extra":true}
            """
        #expect(try JSONWebKeySet.ed25519Keys(in: Data(document.utf8)).keys.sorted() == ["good"])
    }

    @Test(
        "documents that are not key sets are refused",
        arguments: [
            "", "[]", #"{"keys":{}}"#, #"{"nokeys":[]}"#, "{\"keys\":[1]}", "<html>",
        ]
    )
    func notAKeySet(document: String) {
        #expect(throws: AccountError.self) { try JSONWebKeySet.ed25519Keys(in: Data(document.utf8)) }
    }

    @Test func aKeyIDNamedTwiceIsRefused() {
        let x = Base64URL.encode(key.rawRepresentation)
        let document = #"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"\#(x)"},{"kty":"OKP","crv":"Ed25519","kid":"k","x":"\#(x)"}]}"#
        let error = #expect(throws: AccountError.self) { try JSONWebKeySet.ed25519Keys(in: Data(document.utf8)) }
        #expect(error?.detail == .keyID)
    }
}

@Suite("Key ring publication")
struct KeyRingPublicationTests {
    func key(_ kid: String) throws -> SigningKey { try SigningKey(kid: kid, secret: Array("secret-of-\(kid)-0123456789abcdef0123".utf8)) }

    @Test func newKeysArePublishedBeforeTheySign() throws {
        let ring = KeyRing(signingKey: try key("a"))
        ring.addVerificationKey(try key("b"))
        #expect(ring.publishedKeys(at: Date()).map(\.kid) == ["a", "b"])
        #expect(ring.signingKey.kid == "a")
    }

    @Test func retiredKeysStayPublishedUntilTheirDate() throws {
        let ring = KeyRing(signingKey: try key("b"), verificationKeys: [try key("a"), try key("c")])
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(ring.retire(kid: "a", keepPublishedUntil: now.addingTimeInterval(300)))
        #expect(ring.retire(kid: "c"))
        #expect(ring.key(kid: "a") == nil)
        #expect(ring.publishedKeys(at: now).map(\.kid) == ["b", "a"])
        #expect(ring.publishedKeys(at: now.addingTimeInterval(299)).map(\.kid) == ["b", "a"])
        #expect(ring.publishedKeys(at: now.addingTimeInterval(300)).map(\.kid) == ["b"])
        // Once dropped, a key does not come back when asked about an earlier time.
        #expect(ring.publishedKeys(at: now).map(\.kid) == ["b"])
    }
}
