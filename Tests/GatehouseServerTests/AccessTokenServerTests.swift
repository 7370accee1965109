import Foundation
import Gatehouse
import GatehouseServer
import GatehouseTesting
import Testing

@Suite("Access tokens in the server: configuration and the life of published keys")
struct AccessTokenServerTests {
    @Test("--issuer and --access-token-lifetime, from flags or the environment, with their defaults")
    func configuration() throws {
        let defaults = try ServerConfiguration.resolve(flags: ServerFlags(), environment: [:])
        #expect(defaults.accessTokenLifetime == .seconds(300))
        #expect(defaults.accessTokenIssuer == "http://127.0.0.1:8080")
        var flags = ServerFlags()
        flags.publicURL = "https://app.example.com"
        #expect(try ServerConfiguration.resolve(flags: flags, environment: [:]).accessTokenIssuer == "https://app.example.com")
        flags.issuer = "https://auth.example.com"
        flags.accessTokenLifetime = "1h"
        let configured = try ServerConfiguration.resolve(flags: flags, environment: ["GATEHOUSE_ISSUER": "https://ignored.example.com"])
        #expect(configured.accessTokenIssuer == "https://auth.example.com")
        #expect(configured.accessTokenLifetime == .seconds(3_600))
        let fromEnvironment = try ServerConfiguration.resolve(
            flags: ServerFlags(),
            environment: ["GATEHOUSE_ISSUER": "https://env.example.com", "GATEHOUSE_ACCESS_TOKEN_LIFETIME": "90s"]
        )
        #expect(fromEnvironment.accessTokenIssuer == "https://env.example.com")
        #expect(fromEnvironment.accessTokenLifetime == .seconds(90))
        let options = fromEnvironment.sessionsOptions(keyRing: KeyRing(signingKey: try SigningKey(kid: "k", secret: "s")), logger: quietLogger)
        #expect(options.accessTokens?.issuer == "https://env.example.com")
        #expect(options.accessTokens?.lifetime == .seconds(90))
    }

    @Test(
        "bad access-token settings name the flag",
        arguments: [
            ("lifetime", "2h", "invalid --access-token-lifetime: '2h' must be at most 1h"),
            ("lifetime", "500ms", "invalid --access-token-lifetime"),
            ("lifetime", "5", "invalid --access-token-lifetime"),
            ("issuer", "auth.example.com", "invalid --issuer"),
            ("issuer", "https://auth.example.com/?x=1", "invalid --issuer"),
            ("issuer", "ftp://auth.example.com", "invalid --issuer"),
        ]
    )
    func invalid(_ field: String, _ value: String, _ expected: String) {
        var flags = ServerFlags()
        if field == "issuer" { flags.issuer = value } else { flags.accessTokenLifetime = value }
        #expect {
            try ServerConfiguration.resolve(flags: flags, environment: [:])
        } throws: { error in
            ((error as? ServerConfigurationError)?.message ?? "").contains(expected)
        }
    }

    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func stored(_ kid: String, minutesAfterStart minutes: Double, signing: Bool = false, retired: Bool = false) -> StoredSigningKey {
        StoredSigningKey(
            kid: kid,
            secret: Array("secret-of-\(kid)-0123456789abcdef0123".utf8),
            createdAt: start.addingTimeInterval(minutes * 60),
            isSigning: signing,
            retired: retired
        )
    }

    @Test("a retired key stays published until the access tokens it may have signed have expired")
    func publicationEnd() throws {
        let keys = [Self.stored("a", minutesAfterStart: 0, retired: true), Self.stored("b", minutesAfterStart: 10, signing: true)]
        // b was created at +10 min and signs from +11 (activation 60 s); a server may notice up to a
        // delay later; a's last tokens then live 5 minutes.
        let end = KeyBootstrap.publicationEnd(ofRetired: keys[0], among: keys, activationDelay: .seconds(60), accessTokenLifetime: .seconds(300))
        #expect(end == Self.start.addingTimeInterval(600 + 120 + 300))
        #expect(
            KeyBootstrap.publicationEnd(ofRetired: keys[1], among: keys, activationDelay: .seconds(60), accessTokenLifetime: .seconds(300)) == nil
        )
    }

    @Test("synchronizing keeps a just-retired key in the JWKS, drops it when its tokens have expired, and never verifies with it")
    func synchronizeKeepsRetiredKeysPublished() throws {
        let a = Self.stored("a", minutesAfterStart: 0)
        let ring = KeyRing(signingKey: try SigningKey(kid: "a", secret: a.secret))
        var keys = [a, Self.stored("b", minutesAfterStart: 10, signing: true)]
        let afterActivation = Self.start.addingTimeInterval(12 * 60)
        try KeyBootstrap.synchronize(ring, with: keys, now: afterActivation, activationDelay: .seconds(60), accessTokenLifetime: .seconds(300))
        #expect(ring.signingKey.kid == "b")
        #expect(ring.publishedKeys(at: afterActivation).map(\.kid) == ["b", "a"])

        keys[0].retired = true
        try KeyBootstrap.synchronize(ring, with: keys, now: afterActivation, activationDelay: .seconds(60), accessTokenLifetime: .seconds(300))
        #expect(ring.key(kid: "a") == nil)
        let end = Self.start.addingTimeInterval(600 + 120 + 300)
        #expect(ring.publishedKeys(at: end.addingTimeInterval(-1)).map(\.kid) == ["b", "a"])
        #expect(ring.publishedKeys(at: end).map(\.kid) == ["b"])
    }

    @Test("a server starting after the retirement publishes the retired key for what is left of its time, and no longer")
    func restartAfterRetirement() async throws {
        let store = MemoryStore(clock: ManualWallClock(Self.start))
        try await store.insertSigningKey(Self.stored("a", minutesAfterStart: 0, signing: true))
        try await store.insertSigningKey(Self.stored("b", minutesAfterStart: 10, signing: true))
        #expect(try await store.retireSigningKey(kid: "a"))
        let soon = ManualWallClock(Self.start.addingTimeInterval(12 * 60))
        let ring = try await KeyBootstrap.loadOrGenerate(
            store: store,
            activationDelay: .seconds(60),
            accessTokenLifetime: .seconds(300),
            clock: soon,
            logger: quietLogger
        )
        #expect(ring.keyIDs == ["b"])
        #expect(ring.publishedKeys(at: soon.now()).map(\.kid) == ["b", "a"])

        let later = ManualWallClock(Self.start.addingTimeInterval(600 + 120 + 300))
        let laterRing = try await KeyBootstrap.loadOrGenerate(
            store: store,
            activationDelay: .seconds(60),
            accessTokenLifetime: .seconds(300),
            clock: later,
            logger: quietLogger
        )
        #expect(laterRing.publishedKeys(at: later.now()).map(\.kid) == ["b"])
    }
}
