import Crypto
import Foundation
import Gatehouse
import GatehouseOIDC
import GatehouseTesting
import Testing

@Suite("ProviderKeyCache: keys fetched once, refetched for rotation, never hammered")
struct ProviderKeyCacheTests {
    /// A verifier over `source` whose key clock is `clock`; tokens are checked at the clock's time.
    static func verify(_ token: String, with verifier: IDTokenVerifier, at clock: ManualWallClock) async throws -> IDTokenClaims {
        var expectations = TestProvider.expectations()
        expectations.now = clock.now()
        return try await verifier.verify(token, expecting: expectations)
    }

    /// A good token issued at the clock's time.
    static func token(key: TestKey = TestProvider.rsa, kid: String = "rsa-1", at clock: ManualWallClock) -> String {
        let now = clock.now().timeIntervalSince1970
        return TestProvider.token(key: key, kid: kid, claims: ["iat": now, "exp": now + 600])
    }

    @Test("an unknown kid triggers one refetch, after which the rotated key verifies")
    func rotation() async throws {
        let clock = ManualWallClock(TestProvider.now)
        let source = CountingKeySetSource(TestProvider.keySet([TestProvider.rsa.jwk(kid: "rsa-1")]))
        let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: source, clock: clock))
        _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock)
        #expect(source.fetches == 1)

        // The provider rotates: the new key is published, tokens start naming it.
        let rotated = TestKey.p256(P256.Signing.PrivateKey())
        source.document = TestProvider.keySet([TestProvider.rsa.jwk(kid: "rsa-1"), rotated.jwk(kid: "ec-new")])
        clock.advance(by: .seconds(31))
        let claims = try await Self.verify(Self.token(key: rotated, kid: "ec-new", at: clock), with: verifier, at: clock)
        #expect(claims.subject == "user-123")
        #expect(source.fetches == 2)

        // Both keys are now known: no more fetches while the set is fresh.
        for _ in 0..<5 {
            _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock)
            _ = try await Self.verify(Self.token(key: rotated, kid: "ec-new", at: clock), with: verifier, at: clock)
        }
        #expect(source.fetches == 2)

        // The old key is withdrawn; once the set's lifetime is over, it is fetched again and the
        // withdrawn key stops verifying.
        source.document = TestProvider.keySet([rotated.jwk(kid: "ec-new")])
        clock.advance(by: .seconds(3601))
        await expectRefusal(.unknownKey) { _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock) }
        #expect(source.fetches == 3)
    }

    @Test("refetches for unknown kids are rate-limited to one per interval")
    func rateLimited() async throws {
        let clock = ManualWallClock(TestProvider.now)
        let source = CountingKeySetSource()
        let cache = ProviderKeyCache(source: source, minimumRefetchInterval: .seconds(30), clock: clock)
        let verifier = IDTokenVerifier(keys: cache)
        _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock)
        #expect(source.fetches == 1)

        // Made-up key ids right after a fetch: refused without asking the provider.
        for index in 0..<20 {
            await expectRefusal(.unknownKey) {
                _ = try await Self.verify(Self.token(key: TestProvider.stranger, kid: "made-up-\(index)", at: clock), with: verifier, at: clock)
            }
        }
        #expect(source.fetches == 1)

        clock.advance(by: .seconds(31))
        for index in 0..<20 {
            await expectRefusal(.unknownKey) {
                _ = try await Self.verify(Self.token(key: TestProvider.stranger, kid: "made-up-\(index)", at: clock), with: verifier, at: clock)
            }
        }
        #expect(source.fetches == 2)

        clock.advance(by: .seconds(29))
        await expectRefusal(.unknownKey) {
            _ = try await Self.verify(Self.token(key: TestProvider.stranger, kid: "made-up", at: clock), with: verifier, at: clock)
        }
        #expect(source.fetches == 2)
        clock.advance(by: .seconds(2))
        await expectRefusal(.unknownKey) {
            _ = try await Self.verify(Self.token(key: TestProvider.stranger, kid: "made-up", at: clock), with: verifier, at: clock)
        }
        #expect(source.fetches == 3)
        // Known keys kept working throughout.
        _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock)
        #expect(source.fetches == 3)
    }

    @Test("concurrent first verifies share one fetch")
    func sharedFetch() async throws {
        let clock = ManualWallClock(TestProvider.now)
        let source = CountingKeySetSource()
        let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: source, clock: clock))
        let tokens = [
            Self.token(at: clock),
            Self.token(key: TestProvider.p256, kid: "ec-1", at: clock),
            Self.token(key: TestProvider.ed25519, kid: "ed-1", at: clock),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<30 {
                group.addTask { _ = try await Self.verify(tokens[index % 3], with: verifier, at: clock) }
            }
            try await group.waitForAll()
        }
        #expect(source.fetches == 1)
    }

    @Test("concurrent unknown kids after the interval share one refetch")
    func sharedRefetch() async throws {
        let clock = ManualWallClock(TestProvider.now)
        let source = CountingKeySetSource()
        let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: source, clock: clock))
        _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock)
        clock.advance(by: .seconds(31))
        let forged = Self.token(key: TestProvider.stranger, kid: "made-up", at: clock)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<30 {
                group.addTask {
                    await expectRefusal(.unknownKey) { _ = try await Self.verify(forged, with: verifier, at: clock) }
                }
            }
        }
        #expect(source.fetches == 2)
    }

    @Test("a failed refresh keeps the keys known; a set never fetched is ProviderUnavailable")
    func failedRefresh() async throws {
        let clock = ManualWallClock(TestProvider.now)
        let source = CountingKeySetSource()
        source.failing = true
        let cache = ProviderKeyCache(source: source, clock: clock)
        let verifier = IDTokenVerifier(keys: cache)
        await expectError(.providerUnavailable, nil) { _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock) }
        await expectError(.providerUnavailable, nil) { try await cache.refresh() }
        #expect(cache.currentKeys == nil)

        source.failing = false
        _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock)
        source.failing = true
        clock.advance(by: .seconds(3601))
        let fetches = source.fetches
        _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock)
        #expect(source.fetches == fetches + 1)
        await expectRefusal(.unknownKey) {
            _ = try await Self.verify(Self.token(key: TestProvider.stranger, kid: "made-up", at: clock), with: verifier, at: clock)
        }
        #expect(cache.currentKeys?.keyIDs == ["ec-1", "ed-1", "rsa-1"])
    }

    @Test("a document that is not a usable key set is ProviderUnavailable")
    func nonsense() async throws {
        let clock = ManualWallClock(TestProvider.now)
        let source = CountingKeySetSource(Data("<html>".utf8))
        let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: source, clock: clock))
        await expectError(.providerUnavailable, nil) { _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock) }
        source.document = TestProvider.keySet([])
        await expectError(.providerUnavailable, nil) { _ = try await Self.verify(Self.token(at: clock), with: verifier, at: clock) }
    }
}
