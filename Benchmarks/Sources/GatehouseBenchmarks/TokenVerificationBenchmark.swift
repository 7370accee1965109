import Crypto
import Foundation
import Gatehouse

/// Benchmark 1: what verifying a token costs (shape, header, key lookup, MAC, claims — no database)
/// against the floor, one HMAC-SHA256 over the same signing input.
struct TokenVerificationBenchmark {
    let plan: BenchmarkPlan

    func run() throws -> BenchmarkResult {
        let (ring, hmacKey) = try Fixtures.keyRingWithHMACKey()
        let key = ring.signingKey
        let codec = AuthTokenCodec()
        let now = Date()
        let issuedAt = Int64(now.timeIntervalSince1970)
        let random = SystemRandomSource()
        let claims = AuthTokenClaims(
            sessionID: BenchmarkIDs.ulid(at: now, random: random),
            accountID: BenchmarkIDs.ulid(at: now, random: random),
            issuedAt: issuedAt,
            expiresAt: issuedAt + 7 * 86_400,
            secret: random.bytes(AuthTokenClaims.secretByteCount),
            userAgentHash: codec.userAgentHash(Fixtures.userAgent, key: key)
        )
        let token = codec.sign(claims, with: key)

        let bytes = Array(token.utf8)
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")) else { throw BenchmarkError("the token has no signature") }
        let signingInput = Array(bytes[..<lastDot])

        // Both sides must accept the token, or the comparison means nothing.
        guard try Self.verify(token, codec: codec, ring: ring, now: issuedAt).claims == claims else {
            throw BenchmarkError("the token did not verify to its own claims")
        }

        let batch = 256
        var gatehouseBest = 0.0
        var baselineBest = 0.0
        for _ in 0..<plan.verifyRounds {
            baselineBest = max(
                baselineBest,
                Self.throughput(seconds: plan.verifyRoundSeconds, batch: batch) {
                    blackHole(HMAC<SHA256>.authenticationCode(for: signingInput, using: hmacKey))
                }
            )
            gatehouseBest = max(
                gatehouseBest,
                Self.throughput(seconds: plan.verifyRoundSeconds, batch: batch) {
                    blackHole(try? Self.verify(token, codec: codec, ring: ring, now: issuedAt))
                }
            )
        }
        return BenchmarkResult(
            benchmark: "verify",
            figure: "token verifications/s",
            unit: "/s",
            gatehouse: gatehouseBest,
            baselineName: "HMAC-SHA256 over the same \(signingInput.count) signed bytes (swift-crypto)",
            baseline: baselineBest,
            target: .atLeast(0.40),
            notes: [
                "Gatehouse: parse + key-ring lookup + verify (signature in constant time, then every claim) of a \(bytes.count)-byte HS256 token, one thread.",
                "per verification: Gatehouse \(Format.microseconds(1 / gatehouseBest)), HMAC \(Format.microseconds(1 / baselineBest)); best of \(plan.verifyRounds) alternating rounds of \(Format.number(plan.verifyRoundSeconds)) s.",
            ]
        )
    }

    @inline(__always)
    static func verify(_ token: String, codec: AuthTokenCodec, ring: KeyRing, now: Int64) throws -> VerifiedAuthToken {
        let parsed = try codec.parse(token)
        guard let key = ring.key(kid: parsed.kid) else { throw BenchmarkError("unknown key") }
        return try codec.verify(parsed, with: key, now: now)
    }

    /// Operations per second of `body`, run in batches until `seconds` have passed (and at most
    /// 50 million times).
    static func throughput(seconds: Double, batch: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .nanoseconds(Int64(seconds * 1e9))
        var count = 0
        var now = start
        while now < deadline, count < 50_000_000 {
            for _ in 0..<batch { body() }
            count += batch
            now = clock.now
        }
        return Statistics.rate(count: count, seconds: (now - start).fractionalSeconds)
    }
}
