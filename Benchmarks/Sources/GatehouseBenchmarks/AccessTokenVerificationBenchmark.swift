import Crypto
import Foundation
import Gatehouse

/// Benchmark 7: what a service downstream pays to check an access token (shape, header, key lookup in
/// its cached key set, Ed25519 signature, claims) against the floor, one Ed25519 verification of the
/// same signing input.
struct AccessTokenVerificationBenchmark {
    let plan: BenchmarkPlan

    static let issuer = "https://auth.example.com"
    static let audience = "billing"

    func run() throws -> BenchmarkResult {
        let key = try SigningKey.generate(kid: Fixtures.keyID, random: SystemRandomSource()).accessTokenKey
        // Keyed by kid, as a verifier keeps the issuer's JWKS.
        let keys = [key.kid: key.publicKey]
        let codec = AccessTokenCodec()
        let expectations = AccessTokenCodec.Expectations(issuer: Self.issuer, audience: Self.audience, leeway: 30)
        let now = Date()
        let issuedAt = Int64(now.timeIntervalSince1970)
        let random = SystemRandomSource()
        let claims = AccessTokenClaims(
            issuer: Self.issuer,
            accountID: BenchmarkIDs.ulid(at: now, random: random),
            sessionID: BenchmarkIDs.ulid(at: now, random: random),
            audience: Self.audience,
            issuedAt: issuedAt,
            expiresAt: issuedAt + 300,
            tokenID: Self.base64URL(random.bytes(16))
        )
        let token = codec.sign(claims, with: key)

        let bytes = Array(token.utf8)
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")) else { throw BenchmarkError("the token has no signature") }
        let signingInput = Array(bytes[..<lastDot])
        guard let signature = Self.base64URLDecoded(bytes[(lastDot + 1)...]), signature.count == 64 else {
            throw BenchmarkError("the token's signature is not 64 bytes of base64url")
        }
        // The baseline gets the key from its published bytes, as any other JWT library would.
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey.rawRepresentation)

        // Both sides must accept the token, or the comparison means nothing.
        guard try Self.verify(token, codec: codec, keys: keys, expectations: expectations, now: issuedAt) == claims else {
            throw BenchmarkError("the access token did not verify to its own claims")
        }
        guard publicKey.isValidSignature(signature, for: signingInput) else {
            throw BenchmarkError("swift-crypto refused the access token's signature")
        }

        // An Ed25519 verification takes tens of microseconds: smaller batches keep the rounds close
        // to their length.
        let batch = 32
        var gatehouseBest = 0.0
        var baselineBest = 0.0
        for _ in 0..<plan.verifyRounds {
            baselineBest = max(
                baselineBest,
                TokenVerificationBenchmark.throughput(seconds: plan.verifyRoundSeconds, batch: batch) {
                    blackHole(publicKey.isValidSignature(signature, for: signingInput))
                }
            )
            gatehouseBest = max(
                gatehouseBest,
                TokenVerificationBenchmark.throughput(seconds: plan.verifyRoundSeconds, batch: batch) {
                    blackHole(try? Self.verify(token, codec: codec, keys: keys, expectations: expectations, now: issuedAt))
                }
            )
        }
        return BenchmarkResult(
            benchmark: "access",
            figure: "access-token verifications/s",
            unit: "/s",
            gatehouse: gatehouseBest,
            baselineName: "Ed25519 signature check over the same \(signingInput.count) signed bytes (swift-crypto)",
            baseline: baselineBest,
            target: .atLeast(0.80),
            notes: [
                "Gatehouse: parse + key lookup by kid + verify (Ed25519 signature, then every claim) of a \(bytes.count)-byte EdDSA access token, one thread.",
                "per verification: Gatehouse \(Format.microseconds(1 / gatehouseBest)), Ed25519 \(Format.microseconds(1 / baselineBest)); best of \(plan.verifyRounds) alternating rounds of \(Format.number(plan.verifyRoundSeconds)) s.",
            ]
        )
    }

    @inline(__always)
    static func verify(
        _ token: String,
        codec: AccessTokenCodec,
        keys: [String: AccessTokenPublicKey],
        expectations: AccessTokenCodec.Expectations,
        now: Int64
    ) throws -> AccessTokenClaims {
        let parsed = try codec.parse(token)
        guard let key = keys[parsed.kid] else { throw BenchmarkError("unknown key") }
        return try codec.verify(parsed, with: key, expecting: expectations, now: now)
    }

    /// base64url without padding (RFC 7515 §2).
    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// The bytes of unpadded base64url text, or nil when it is not that.
    static func base64URLDecoded(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var base64 = text.map { byte -> UInt8 in
            switch byte {
            case UInt8(ascii: "-"): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: byte
            }
        }
        base64 += Array(repeating: UInt8(ascii: "="), count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: Data(base64)).map { Array($0) }
    }
}
