import Crypto
import Foundation
import Gatehouse
import GatehouseTesting
import GatehouseVerifier
import HummingbirdTesting
import Synchronization
import Testing

@Suite("AccessTokenVerifier against a Gatehouse server's JWKS over HTTP")
struct AccessTokenVerifierTests {
    static func configuration(_ url: String, audience: String = "billing", fetchTimeout: Duration = .seconds(5)) -> AccessTokenVerifier.Configuration
    {
        .init(keySetURL: url, issuer: IssuingServer.issuer, audience: audience, fetchTimeout: fetchTimeout)
    }

    @Test("a token from POST /v1/token verifies with the JWKS alone and gives its claims")
    func verifiesOverHTTP() async throws {
        let server = try IssuingServer()
        try await server.run { client, url in
            let (token, accountID) = try await client.accessToken()
            let verifier = AccessTokenVerifier(configuration: Self.configuration(url))
            let claims = try await verifier.verify(token)
            #expect(claims.accountID == accountID)
            #expect(claims.audience == "billing")
            #expect(claims.issuer == IssuingServer.issuer)
            #expect(try await verifier.refresh() == ["k1"])
        }
    }

    @Test("a wrong audience, a wrong issuer and an expired token are refused by the check named")
    func claimChecks() async throws {
        let server = try IssuingServer()
        try await server.run { client, url in
            let (token, _) = try await client.accessToken(audience: "payroll")
            let billing = AccessTokenVerifier(configuration: Self.configuration(url))
            await expectRefusal(.tokenAudience) { _ = try await billing.verify(token) }
            var otherIssuer = Self.configuration(url, audience: "payroll")
            otherIssuer.issuer = "https://other.example.test"
            await expectRefusal(.tokenIssuer) { _ = try await AccessTokenVerifier(configuration: otherIssuer).verify(token) }
            let late = ManualWallClock(Date().addingTimeInterval(300 + 31))
            let lateVerifier = AccessTokenVerifier(configuration: Self.configuration(url, audience: "payroll"), clock: late)
            await expectRefusal(.tokenExpired) { _ = try await lateVerifier.verify(token) }
        }
    }

    @Test("concurrent first uses share one fetch; a key id the set lacks refetches at most once per interval")
    func boundedFetches() async throws {
        let server = try IssuingServer()
        try await server.run { client, url in
            let (token, _) = try await client.accessToken()
            let clock = ManualWallClock(Date())
            let source = CountingKeySetSource(HTTPKeySetSource(url: url))
            let verifier = AccessTokenVerifier(configuration: Self.configuration(url), source: source, clock: clock)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 { group.addTask { _ = try await verifier.verify(token) } }
                try await group.waitForAll()
            }
            #expect(source.fetches == 1)

            // Made-up key ids: the first costs one fetch, the rest none until the interval has passed.
            let stranger = try AccessTokenSigningKey(kid: "made-up", privateKey: Curve25519.Signing.PrivateKey())
            let forged = AccessTokenCodec().sign(
                AccessTokenClaims(
                    issuer: IssuingServer.issuer,
                    accountID: "A",
                    sessionID: "S",
                    audience: "billing",
                    issuedAt: Int64(clock.now().timeIntervalSince1970),
                    expiresAt: Int64(clock.now().timeIntervalSince1970) + 60,
                    tokenID: "J"
                ),
                with: stranger
            )
            clock.advance(by: .seconds(11))
            for _ in 0..<50 { await expectRefusal(.unknownKey) { _ = try await verifier.verify(forged) } }
            #expect(source.fetches == 2)
            clock.advance(by: .seconds(11))
            await expectRefusal(.unknownKey) { _ = try await verifier.verify(forged) }
            #expect(source.fetches == 3)
        }
    }

    @Test("a rotated key is fetched when a token first names it; a removed key is refused")
    func rotation() async throws {
        let server = try IssuingServer()
        try await server.run { client, url in
            let (old, _) = try await client.accessToken()
            let clock = ManualWallClock(Date())
            let source = CountingKeySetSource(HTTPKeySetSource(url: url))
            let verifier = AccessTokenVerifier(configuration: Self.configuration(url), source: source, clock: clock)
            _ = try await verifier.verify(old)

            server.ring.rotate(to: try SigningKey(kid: "k2", secret: "verifier-tests-second-key-0123456789abcdef"))
            let (new, _) = try await client.accessToken()
            clock.advance(by: .seconds(11))
            #expect(try await verifier.verify(new).audience == "billing")
            #expect(source.fetches == 2)

            // k1 retired without keeping it published: its tokens stop verifying once the set is
            // fetched again.
            #expect(server.ring.retire(kid: "k1"))
            clock.advance(by: .seconds(301))
            await expectRefusal(.unknownKey) { _ = try await verifier.verify(old) }
            _ = try await verifier.verify(new)
        }
    }

    @Test("no key set at all is KeySetUnavailable; a failed refresh keeps the keys already known")
    func unavailable() async throws {
        let server = try IssuingServer()
        let deadURL = "http://127.0.0.1:9/.well-known/jwks.json"
        let nowhere = AccessTokenVerifier(configuration: Self.configuration(deadURL, fetchTimeout: .seconds(1)))
        try await server.run { client, url in
            let (token, _) = try await client.accessToken()
            await #expect(throws: KeySetUnavailable.self) { _ = try await nowhere.verify(token) }

            let notAKeySet = AccessTokenVerifier(
                configuration: Self.configuration(url.replacingOccurrences(of: "/.well-known/jwks.json", with: "/health"))
            )
            await #expect(throws: KeySetUnavailable.self) { _ = try await notAKeySet.verify(token) }
            let missing = AccessTokenVerifier(configuration: Self.configuration(url + ".missing"))
            await #expect(throws: KeySetUnavailable.self) { _ = try await missing.verify(token) }

            let clock = ManualWallClock(Date())
            let switchable = SwitchableKeySetSource(HTTPKeySetSource(url: url))
            let verifier = AccessTokenVerifier(configuration: Self.configuration(url), source: switchable, clock: clock)
            _ = try await verifier.verify(token)
            switchable.failing = true
            clock.advance(by: .seconds(301))
            #expect(try await verifier.verify(token).audience == "billing")
        }
    }
}

/// The real HTTP source, which a test can make fail as an unreachable issuer would.
final class SwitchableKeySetSource: KeySetSource {
    let inner: any KeySetSource
    private let state = Mutex(false)

    init(_ inner: any KeySetSource) { self.inner = inner }

    var failing: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    func fetchKeySet() async throws -> Data {
        if failing { throw KeySetUnavailable(reason: "the issuer is down") }
        return try await inner.fetchKeySet()
    }
}

/// Expects `body` to throw `TokenVerificationFailed` with `detail` (errors compare by code alone).
func expectRefusal(_ detail: AccountError.Detail, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("accepted; expected \(detail)", sourceLocation: sourceLocation)
    } catch let error as AccountError {
        #expect(error.code == .tokenVerificationFailed, sourceLocation: sourceLocation)
        #expect(error.detail == detail, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}
