import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse

/// Properties of the access-token codec and the JWKS reader. As with session tokens, the fuzzer
/// cannot forge a signature, so one target signs the payloads it generates with a known Ed25519 key.
enum AccessTokenProperties {
    static let privateKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: UInt8(7), count: 32))
    static let key = try! AccessTokenSigningKey(kid: "fuzz", privateKey: privateKey)
    static let codec = AccessTokenCodec()
    static let issuer = "https://auth.example.test"
    static let expectations = AccessTokenCodec.Expectations(issuer: issuer, audience: "billing", leeway: 30)
    static let now: Int64 = 1_700_000_000

    /// The seeds' claims.
    static let claims = AccessTokenClaims(
        issuer: issuer,
        accountID: "01HZX3K2M4N5P6Q7R8S9T0V1W2",
        sessionID: "01HZX3K2M4N5P6Q7R8S9T0V1W3",
        audience: "billing",
        issuedAt: now - 10,
        expiresAt: now + 300,
        tokenID: "AAAAAAAAAAAAAAAAAAAAAA"
    )

    /// Any byte string as an access token: only what this key signed may verify, and since the
    /// encoding is canonical, a verified token must be exactly what its claims sign into.
    static func rawToken(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let parsed = try? codec.parse(text) else { return }
        precondition(text.utf8.count <= codec.maximumTokenLength, "an oversized access token was parsed")
        guard let verified = try? codec.verify(parsed, with: key.publicKey, expecting: expectations, now: now) else { return }
        precondition(codec.sign(verified, with: key) == text, "an access token that is not the signer's own output verified")
        checkInvariants(verified)
    }

    /// A generated payload, signed with the fuzzing key: whatever verifies keeps every claim rule and
    /// survives a sign-and-verify round trip unchanged.
    static func signedPayload(_ payload: [UInt8]) {
        let header = Array(#"{"alg":"EdDSA","typ":"JWT","kid":"fuzz"}"#.utf8)
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        guard let signature = try? privateKey.signature(for: Array(signingInput.utf8)) else { return }
        let token = signingInput + "." + Base64URL.encode(Array(signature))
        guard let parsed = try? codec.parse(token),
            let verified = try? codec.verify(parsed, with: key.publicKey, expecting: expectations, now: now)
        else { return }
        checkInvariants(verified)
        guard let object = FlatJSONObject(parsing: payload) else { preconditionFailure("an access-token payload the reader refuses verified") }
        let allowed: Set<String> = ["iss", "sub", "sid", "aud", "iat", "exp", "nbf", "jti"]
        precondition(object.members.allSatisfy { allowed.contains($0.key) }, "an access-token payload with an unknown claim verified")
        let again = try? codec.verify(codec.parse(codec.sign(verified, with: key)), with: key.publicKey, expecting: expectations, now: now)
        precondition(again == verified, "access-token claims changed in a sign-and-verify round trip")
    }

    /// Any bytes as a JWKS document: every key read back is a well-formed Ed25519 key, and reading
    /// is the same twice.
    static func keySet(_ bytes: [UInt8]) {
        guard let keys = try? JSONWebKeySet.ed25519Keys(in: Data(bytes)) else { return }
        for (kid, key) in keys {
            precondition(kid == key.kid && (1...64).contains(kid.utf8.count), "a JWKS key with a malformed id was read")
            precondition(key.rawRepresentation.count == 32, "a JWKS key of the wrong size was read")
        }
        let again = try? JSONWebKeySet.ed25519Keys(in: Data(bytes))
        precondition(again?.keys.sorted() == keys.keys.sorted(), "a JWKS document read differently twice")
    }

    private static func checkInvariants(_ claims: AccessTokenClaims) {
        precondition(claims.issuer == issuer && claims.audience == "billing", "an access token for someone else verified")
        precondition((1...64).contains(claims.accountID.utf8.count) && (1...64).contains(claims.sessionID.utf8.count), "ids out of bounds")
        precondition(now < claims.expiresAt + expectations.leeway, "an expired access token verified")
        precondition(claims.issuedAt < claims.expiresAt, "an access token expiring before its issue verified")
        precondition(claims.notBefore.map { $0 <= now + expectations.leeway } ?? true, "an access token not valid yet verified")
    }
}
