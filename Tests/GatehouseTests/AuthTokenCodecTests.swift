import Crypto
import Foundation
import GatehouseTesting
import Testing

@testable import Gatehouse

@Suite("Auth token codec")
struct AuthTokenCodecTests {
    let codec = AuthTokenCodec()
    let key = try! SigningKey(secret: Fixture.secret)
    let now: Int64 = 1_700_000_000

    func claims(exp: Int64? = nil) -> AuthTokenClaims {
        AuthTokenClaims(
            sessionID: "01HZX3K2M4N5P6Q7R8S9T0V1W3",
            accountID: "01HZX3K2M4N5P6Q7R8S9T0V1W2",
            issuedAt: now,
            expiresAt: exp ?? now + 604_800,
            secret: Array(0..<32),
            userAgentHash: "abc"
        )
    }

    func verify(_ token: String, key: SigningKey? = nil, at time: Int64? = nil) throws -> VerifiedAuthToken {
        try codec.verify(codec.parse(token), with: key ?? self.key, now: time ?? now)
    }

    /// Signs arbitrary header and payload JSON with the fixture secret, as an attacker who knows the
    /// format (but not necessarily the key) would.
    func forge(header: String, payload: String, secret: String = Fixture.secret) -> String {
        let signingInput = base64url(header) + "." + base64url(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return signingInput + "." + base64url(Array(mac))
    }

    static let goodHeader = #"{"alg":"HS256","typ":"JWT","kid":"default"}"#
    static let secret32 = base64url(Array(0..<32 as Range<UInt8>))
    static func payload(_ extra: String = "", exp: Int64 = 1_700_604_800) -> String {
        #"{"sid":"S1","sub":"A1","iat":1700000000,"exp":\#(exp),"rnd":"\#(secret32)"\#(extra)}"#
    }

    @Test func roundTripKeepsEveryClaim() throws {
        let token = codec.sign(claims(), with: key)
        let verified = try verify(token)
        #expect(verified.claims == claims())
        #expect(verified.kid == "default")
    }

    @Test func headerIsHS256WithKeyID() throws {
        let token = codec.sign(claims(), with: key)
        let header = try jwtSegment(token, 0)
        #expect(header["alg"] as? String == "HS256")
        #expect(header["typ"] as? String == "JWT")
        #expect(header["kid"] as? String == "default")
        let payload = try jwtSegment(token, 1)
        #expect(Set(payload.keys) == ["sid", "sub", "iat", "exp", "rnd", "uah"])
        #expect((payload["exp"] as? Int).map { $0 - (payload["iat"] as? Int ?? 0) } == 604_800)
    }

    /// Scenario 37: valid while now < exp, refused from exp on (no leeway).
    @Test func expiryBoundary() throws {
        let token = codec.sign(claims(), with: key)
        _ = try verify(token, at: now + 604_799)
        #expect(throws: AccountError(.tokenVerificationFailed)) { try verify(token, at: now + 604_800) }
    }

    @Test func anotherSecretFails() throws {
        let token = codec.sign(claims(), with: key)
        let other = try SigningKey(secret: "new_secret")
        #expect(throws: AccountError(.tokenVerificationFailed)) { try verify(token, key: other) }
    }

    @Test func forgedWithRightKeyVerifies() throws {
        // The forging helper itself is right: a well-formed token it makes does verify.
        let token = forge(header: Self.goodHeader, payload: Self.payload())
        #expect(try verify(token).claims.sessionID == "S1")
    }

    /// The header every issued token carries is recognised byte for byte; any other spelling of the
    /// same members must still name the same key.
    @Test(
        "A header with the same members spelled another way names the same key",
        arguments: [
            #"{"kid":"default","typ":"JWT","alg":"HS256"}"#,
            #"{ "alg": "HS256", "typ": "JWT", "kid": "default" }"#,
            #"{"alg":"HS256","kid":"default"}"#,
            #"{"alg":"HS256","typ":"JWT","kid":"def\u0061ult"}"#,
        ]
    )
    func headerSpelledAnotherWay(_ header: String) throws {
        let token = forge(header: header, payload: Self.payload())
        #expect(try codec.parse(token).kid == "default")
        #expect(try verify(token).claims.sessionID == "S1")
    }

    static let hostileTokens: [(String, String)] = {
        let h = goodHeader
        let p = payload()
        func forge(_ header: String, _ payload: String, secret: String = Fixture.secret) -> String {
            AuthTokenCodecTests().forge(header: header, payload: payload, secret: secret)
        }
        let valid = forge(h, p)
        let parts = valid.split(separator: ".").map(String.init)
        return [
            ("empty", ""),
            ("garbage", "12345"),
            ("two segments", parts[0] + "." + parts[1]),
            ("four segments", valid + ".AAAA"),
            ("empty signature", parts[0] + "." + parts[1] + "."),
            ("empty header", "." + parts[1] + "." + parts[2]),
            ("empty payload", parts[0] + ".." + parts[2]),
            ("alg none", base64url(#"{"alg":"none","typ":"JWT","kid":"default"}"#) + "." + parts[1] + "."),
            ("alg none with signature", forge(#"{"alg":"none","typ":"JWT","kid":"default"}"#, p)),
            ("alg HS512", forge(#"{"alg":"HS512","typ":"JWT","kid":"default"}"#, p)),
            ("alg RS256", forge(#"{"alg":"RS256","typ":"JWT","kid":"default"}"#, p)),
            ("alg EdDSA with HMAC key", forge(#"{"alg":"EdDSA","typ":"JWT","kid":"default"}"#, p)),
            ("alg lower case", forge(#"{"alg":"hs256","typ":"JWT","kid":"default"}"#, p)),
            ("no kid", forge(#"{"alg":"HS256","typ":"JWT"}"#, p)),
            ("empty kid", forge(#"{"alg":"HS256","typ":"JWT","kid":""}"#, p)),
            ("unknown kid", forge(#"{"alg":"HS256","typ":"JWT","kid":"other"}"#, p)),
            ("path-like kid", forge(#"{"alg":"HS256","typ":"JWT","kid":"../../etc/passwd"}"#, p)),
            ("very long kid", forge(#"{"alg":"HS256","typ":"JWT","kid":"\#(String(repeating: "k", count: 300))"}"#, p)),
            ("typ not JWT", forge(#"{"alg":"HS256","typ":"JWS","kid":"default"}"#, p)),
            ("extra header field", forge(#"{"alg":"HS256","typ":"JWT","kid":"default","jku":"http://x"}"#, p)),
            ("duplicate alg", forge(#"{"alg":"HS256","alg":"none","typ":"JWT","kid":"default"}"#, p)),
            ("issued header with bytes after it", forge(#"{"alg":"HS256","typ":"JWT","kid":"default"}x"#, p)),
            ("issued header with a quote in kid", forge(#"{"alg":"HS256","typ":"JWT","kid":"def"ault"}"#, p)),
            ("issued header with a second kid", forge(#"{"alg":"HS256","typ":"JWT","kid":"other","kid":"default"}"#, p)),
            ("issued header without its closing brace", forge(#"{"alg":"HS256","typ":"JWT","kid":"default""#, p)),
            ("issued header with EdDSA", forge(#"{"alg":"EdDSA","typ":"JWT","kid":"default"}"#, p)),
            ("header not JSON", forge("not json", p)),
            ("header JSON array", forge(#"["HS256"]"#, p)),
            ("header nested", forge(#"{"alg":{"x":"HS256"},"kid":"default"}"#, p)),
            ("payload not JSON", forge(h, "{sid:1}")),
            ("payload JSON string", forge(h, #""hello""#)),
            ("payload trailing bytes", forge(h, p + "x")),
            ("duplicate sid", forge(h, payload(#","sid":"S2""#))),
            ("sid as number", forge(h, #"{"sid":1,"sub":"A1","iat":1700000000,"exp":1700604800,"rnd":"\#(secret32)"}"#)),
            ("exp as string", forge(h, #"{"sid":"S1","sub":"A1","iat":1700000000,"exp":"1700604800","rnd":"\#(secret32)"}"#)),
            ("exp as float", forge(h, #"{"sid":"S1","sub":"A1","iat":1700000000,"exp":1700604800.5,"rnd":"\#(secret32)"}"#)),
            ("exp with leading zero", forge(h, #"{"sid":"S1","sub":"A1","iat":1700000000,"exp":01700604800,"rnd":"\#(secret32)"}"#)),
            ("missing rnd", forge(h, #"{"sid":"S1","sub":"A1","iat":1700000000,"exp":1700604800}"#)),
            ("short rnd", forge(h, #"{"sid":"S1","sub":"A1","iat":1700000000,"exp":1700604800,"rnd":"AAAA"}"#)),
            ("unknown claim", forge(h, payload(#","admin":1"#))),
            ("null claim", forge(h, payload(#","uah":null"#))),
            ("boolean claim", forge(h, payload(#","nbf":true"#))),
            ("exp in the past", forge(h, payload(exp: 1_699_999_999))),
            ("exp equal to now", forge(h, payload(exp: 1_700_000_000))),
            ("nbf in the future", forge(h, payload(#","nbf":1700000100"#))),
            ("iat far in the future", forge(h, #"{"sid":"S1","sub":"A1","iat":1800000000,"exp":1800604800,"rnd":"\#(secret32)"}"#)),
            ("other server's secret", forge(h, p, secret: "another-server")),
            ("payload tampered after signing", parts[0] + "." + base64url(payload(exp: 1_900_000_000)) + "." + parts[2]),
            ("signature tampered", parts[0] + "." + parts[1] + "." + String(parts[2].dropLast()) + (parts[2].hasSuffix("A") ? "B" : "A")),
            ("base64 with padding", parts[0] + "=." + parts[1] + "." + parts[2]),
            ("standard base64 alphabet", parts[0] + "." + parts[1] + "." + parts[2].replacingOccurrences(of: "-", with: "+") + "+"),
            ("whitespace inside", parts[0] + " ." + parts[1] + "." + parts[2]),
            ("newline at end", valid + "\n"),
            ("non-ASCII", valid + "é"),
            ("8 KiB token", parts[0] + "." + String(repeating: "A", count: 8192) + "." + parts[2]),
            ("1 MiB token", String(repeating: "A", count: 1 << 20)),
        ]
    }()

    @Test("hostile tokens are refused with TokenVerificationFailed", arguments: hostileTokens)
    func hostileToken(_ testCase: (String, String)) {
        #expect(throws: AccountError(.tokenVerificationFailed), "\(testCase.0)") { try verify(testCase.1) }
    }

    @Test func errorMessagesNeverQuoteTheToken() throws {
        let token = codec.sign(claims(), with: key)
        for bad in [token + "x", String(token.dropLast(3)), token.replacingOccurrences(of: ".", with: "..")] {
            do {
                _ = try verify(bad)
                Issue.record("accepted a damaged token")
            } catch {
                let parts = token.split(separator: ".")
                #expect(!"\(error)".contains(parts[1]))
                #expect(!"\(error)".contains(parts[2]))
            }
        }
    }

    @Test func seededMutationsAreAllRefusedCleanly() throws {
        // Thousands of one- to three-byte mutations of a valid token: none may verify, none may crash.
        let token = Array(codec.sign(claims(), with: key).utf8)
        let random = SeededRandomSource(seed: 7)
        var accepted = 0
        for _ in 0..<3_000 {
            var mutated = token
            let edits = Int(random.bytes(1)[0] % 3) + 1
            for _ in 0..<edits {
                let r = random.bytes(3)
                let position = (Int(r[0]) << 8 | Int(r[1])) % mutated.count
                switch r[2] % 3 {
                case 0: mutated[position] = r[2] &+ r[0]
                case 1: mutated.remove(at: position)
                default: mutated.insert(r[1], at: position)
                }
            }
            guard mutated != token else { continue }
            // The decoder is canonical, so no byte string other than the original can verify.
            if (try? verify(String(decoding: mutated, as: UTF8.self))) != nil { accepted += 1 }
        }
        #expect(accepted == 0)
    }

    @Test func keyRingRotationKeepsOldTokensVerifiable() throws {
        let first = try SigningKey.generate(kid: "k1", random: SeededRandomSource(seed: 1))
        let ring = KeyRing(signingKey: first)
        let oldToken = codec.sign(claims(), with: ring.signingKey)
        ring.rotate(to: try SigningKey.generate(kid: "k2", random: SeededRandomSource(seed: 2)))
        #expect(ring.signingKey.kid == "k2")
        let parsed = try codec.parse(oldToken)
        let verifyKey = try #require(ring.key(kid: parsed.kid))
        _ = try codec.verify(parsed, with: verifyKey, now: now)
        #expect(ring.retire(kid: "k2") == false, "the signing key cannot be retired")
        #expect(ring.retire(kid: "k1"))
        #expect(ring.key(kid: "k1") == nil)
    }

    @Test func userAgentHashIsKeyedAndOpaque() throws {
        let a = codec.userAgentHash("IE", key: key)
        let b = codec.userAgentHash("IE", key: try SigningKey(secret: "other"))
        #expect(a != b)
        #expect(a.count == 22)
        #expect(!a.contains("IE"))
    }

    @Test func userAgentHashesAreKeptPerKeyBoundedAndTheSameAsComputed() throws {
        let fresh = { try SigningKey(secret: Fixture.secret) }
        let agents = (0...UserAgentHashMemo.capacity).map { "Agent/\($0)" }
        for agent in agents {
            let first = codec.userAgentHash(agent, key: key)
            #expect(codec.userAgentHash(agent, key: key) == first, "kept")
            #expect(codec.userAgentHash(agent, key: try fresh()) == first, "the same as a key that never saw it")
            #expect(key.userAgentHashes.count <= UserAgentHashMemo.capacity)
        }
        let long = String(repeating: "L", count: UserAgentHashMemo.longestKept + 1)
        let kept = key.userAgentHashes.count
        #expect(codec.userAgentHash(long, key: key) == codec.userAgentHash(long, key: try fresh()))
        #expect(key.userAgentHashes.count == kept, "a user agent past the longest kept is not kept")
    }

    @Test func emptySecretIsAConfigurationError() {
        #expect(throws: AccountError(.invalidConfiguration)) { try SigningKey(secret: "") }
        #expect(throws: AccountError(.invalidConfiguration)) { try SigningKey(kid: "a/b", secret: "x") }
    }
}
