import Crypto
@_spi(Fuzzing) import Gatehouse

/// Properties of the token codec. The fuzzer cannot forge a MAC, so two of the targets sign what it
/// generates with a known key: that is the only way to reach the payload and header rules that run
/// after the MAC check.
enum TokenProperties {
    static let secret = Array("gatehouse-fuzzing-key-0123456789abcdef".utf8)
    static let key = try! SigningKey(kid: SigningKey.defaultKeyID, secret: secret)
    static let codec = AuthTokenCodec()
    static let now: Int64 = 1_700_000_000

    /// A valid payload for the header target, and the seeds' claims.
    static let claims = AuthTokenClaims(
        sessionID: "01HZX3K2M4N5P6Q7R8S9T0V1W3",
        accountID: "01HZX3K2M4N5P6Q7R8S9T0V1W2",
        issuedAt: now - 10,
        expiresAt: now + 3_600,
        secret: Array(0..<32),
        userAgentHash: "AAAAAAAAAAAAAAAAAAAAAA"
    )

    /// Any byte string as a token. Only tokens this key signed may verify, and the encoding is
    /// canonical, so a verified token must be byte for byte what its claims sign into.
    static func rawToken(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let parsed = try? codec.parse(text) else { return }
        precondition(text.utf8.count <= codec.maximumTokenLength, "an oversized token was parsed")
        guard let verified = try? codec.verify(parsed, with: key, now: now) else { return }
        precondition(codec.sign(verified.claims, with: key) == text, "a token that is not the signer's own output verified")
        checkInvariants(verified.claims)
    }

    /// A generated payload, correctly signed: whatever verifies must satisfy every claim rule, and
    /// must survive a sign-and-verify round trip unchanged.
    static func signedPayload(_ payload: [UInt8]) {
        let token = assemble(header: Array(#"{"alg":"HS256","typ":"JWT","kid":"default"}"#.utf8), payload: payload)
        guard let parsed = try? codec.parse(token), let verified = try? codec.verify(parsed, with: key, now: now) else { return }
        checkInvariants(verified.claims)
        guard let object = FlatJSONObject(parsing: payload) else { preconditionFailure("a payload the reader refuses verified") }
        let allowed: Set<String> = ["sid", "sub", "iat", "exp", "nbf", "rnd", "uah"]
        precondition(object.members.allSatisfy { allowed.contains($0.key) }, "a payload with an unknown claim verified")
        let again = try? codec.verify(codec.parse(codec.sign(verified.claims, with: key)), with: key, now: now)
        precondition(again?.claims == verified.claims, "claims changed in a sign-and-verify round trip")
    }

    /// A generated header, correctly signed over a valid payload: it may only pass as exactly
    /// `alg: HS256`, an optional `typ: JWT` and a well-formed `kid`.
    static func signedHeader(_ header: [UInt8]) {
        var payload = [UInt8]()
        let sample = codec.sign(claims, with: key)
        if let encoded = sample.split(separator: ".").dropFirst().first, let decoded = Base64URL.decode(Array(encoded.utf8)) {
            payload = decoded
        }
        let token = assemble(header: header, payload: payload)
        guard let parsed = try? codec.parse(token) else { return }
        guard let object = FlatJSONObject(parsing: header) else { preconditionFailure("a header the reader refuses was parsed") }
        precondition(object.string("alg") == "HS256", "a header without alg HS256 was parsed")
        precondition(object["typ"] == nil || object.string("typ") == "JWT", "a header with another typ was parsed")
        precondition(object.members.allSatisfy { ["alg", "typ", "kid"].contains($0.key) }, "a header with another field was parsed")
        precondition(parsed.kid == object.string("kid"), "the parsed kid is not the header's")
        if let verified = try? codec.verify(parsed, with: key, now: now) {
            precondition(verified.kid == key.kid && verified.claims == claims, "a header changed what the payload says")
        }
    }

    private static func assemble(header: [UInt8], payload: [UInt8]) -> String {
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: secret))
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    private static func checkInvariants(_ claims: AuthTokenClaims) {
        precondition(!claims.sessionID.isEmpty && claims.sessionID.utf8.count <= 64, "session id out of bounds")
        precondition(!claims.accountID.isEmpty && claims.accountID.utf8.count <= 64, "account id out of bounds")
        precondition(claims.secret.count == AuthTokenClaims.secretByteCount, "token secret of the wrong size")
        precondition(now < claims.expiresAt, "an expired token verified")
        precondition(claims.notBefore.map { $0 <= now } ?? true, "a token not valid yet verified")
        precondition(claims.issuedAt <= now + codec.allowedClockSkew, "a token issued in the future verified")
    }
}
