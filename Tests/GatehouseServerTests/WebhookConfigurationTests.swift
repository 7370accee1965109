import Foundation
import Gatehouse
import GatehouseWebhooks
import Testing

@testable import GatehouseServer

/// The webhook settings of `gatehouse serve` from flags and environment: the endpoints, the key that
/// signs them and the retry delay — and the start-up refusals of what cannot work, which never repeat
/// the secret.
@Suite("Server configuration: webhooks")
struct WebhookConfigurationTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let otherSecret = "whsec_" + Data(repeating: 42, count: 32).base64EncodedString()

    static func resolve(_ configure: (inout ServerFlags) -> Void = { _ in }, environment: [String: String] = [:]) throws -> ServerConfiguration {
        var flags = ServerFlags()
        configure(&flags)
        return try ServerConfiguration.resolve(flags: flags, environment: environment)
    }

    /// The message of the error resolving these flags and variables throws.
    static func refusal(_ configure: (inout ServerFlags) -> Void = { _ in }, environment: [String: String] = [:]) throws -> String {
        var flags = ServerFlags()
        configure(&flags)
        let error = try #require(throws: ServerConfigurationError.self) { try ServerConfiguration.resolve(flags: flags, environment: environment) }
        return error.message
    }

    @Test("without webhook settings there are no endpoints, no secret, and the default retry schedule")
    func defaults() throws {
        let configuration = try Self.resolve()
        #expect(configuration.webhookURLs.isEmpty)
        #expect(configuration.webhookSecret == nil)
        #expect(configuration.webhookRetryDelay == .seconds(10))
        #expect(configuration.webhookRetryPolicy == RetryPolicy(maximumAttempts: 8, firstDelay: .seconds(10), longestDelay: .seconds(3_600)))
    }

    @Test("--webhook-url, repeated, and --webhook-secret configure the endpoints and the key")
    func fromFlags() throws {
        let configuration = try Self.resolve { flags in
            flags.webhookURLs = ["https://hooks.example.com/gatehouse", "http://127.0.0.1:9000/events"]
            flags.webhookSecret = Self.secret
        }
        #expect(configuration.webhookURLs == ["https://hooks.example.com/gatehouse", "http://127.0.0.1:9000/events"])
        #expect(configuration.webhookSecret == (try WebhookSecret(Self.secret)))
    }

    @Test("GATEHOUSE_WEBHOOK_URLS, comma-separated, and GATEHOUSE_WEBHOOK_SECRET do the same")
    func fromEnvironment() throws {
        let configuration = try Self.resolve(environment: [
            "GATEHOUSE_WEBHOOK_URLS": " https://hooks.example.com/gatehouse , http://[::1]:9000/events,",
            "GATEHOUSE_WEBHOOK_SECRET": Self.secret,
            "GATEHOUSE_WEBHOOK_RETRY_DELAY": "30s",
        ])
        #expect(configuration.webhookURLs == ["https://hooks.example.com/gatehouse", "http://[::1]:9000/events"])
        #expect(configuration.webhookSecret == (try WebhookSecret(Self.secret)))
        #expect(configuration.webhookRetryDelay == .seconds(30))
        #expect(configuration.webhookRetryPolicy == RetryPolicy(maximumAttempts: 8, firstDelay: .seconds(30), longestDelay: .seconds(3_600)))
    }

    @Test("a flag wins over its variable, and an empty variable counts as unset")
    func precedence() throws {
        let configuration = try Self.resolve(
            { flags in
                flags.webhookURLs = ["https://flag.example.com/hook"]
                flags.webhookSecret = Self.otherSecret
                flags.webhookRetryDelay = "1m"
            },
            environment: [
                "GATEHOUSE_WEBHOOK_URLS": "https://env.example.com/hook",
                "GATEHOUSE_WEBHOOK_SECRET": Self.secret,
                "GATEHOUSE_WEBHOOK_RETRY_DELAY": "5s",
            ]
        )
        #expect(configuration.webhookURLs == ["https://flag.example.com/hook"])
        #expect(configuration.webhookSecret == (try WebhookSecret(Self.otherSecret)))
        #expect(configuration.webhookRetryDelay == .seconds(60))

        let unset = try Self.resolve(environment: ["GATEHOUSE_WEBHOOK_URLS": "", "GATEHOUSE_WEBHOOK_SECRET": "", "GATEHOUSE_WEBHOOK_RETRY_DELAY": ""])
        #expect(unset.webhookURLs.isEmpty)
        #expect(unset.webhookSecret == nil)
        #expect(unset.webhookRetryDelay == .seconds(10))
    }

    static let normalised: [(given: String, stored: String)] = [
        ("HTTPS://Hooks.Example.COM/Gatehouse", "https://hooks.example.com/Gatehouse"),
        ("https://hooks.example.com", "https://hooks.example.com/"),
        ("https://hooks.example.com:443/a", "https://hooks.example.com/a"),
        ("http://hooks.example.com:80/a", "http://hooks.example.com/a"),
        ("http://hooks.example.com:443/a", "http://hooks.example.com:443/a"),
        ("https://hooks.example.com:8443/a?tenant=7&x=%2F", "https://hooks.example.com:8443/a?tenant=7&x=%2F"),
        ("http://[FE80::1]:9000/events", "http://[fe80::1]:9000/events"),
        ("http://localhost:8080/hook", "http://localhost:8080/hook"),
    ]

    @Test("endpoints are kept as normalised absolute URLs", arguments: normalised)
    func normalisation(given: String, stored: String) throws {
        let configuration = try Self.resolve { flags in
            flags.webhookURLs = [given]
            flags.webhookSecret = Self.secret
        }
        #expect(configuration.webhookURLs == [stored])
    }

    @Test("an endpoint given twice, even spelled differently, is posted to once")
    func duplicates() throws {
        let configuration = try Self.resolve { flags in
            flags.webhookURLs = [
                "https://a.example.com/hook", "HTTPS://A.example.com:443/hook", "https://b.example.com/hook", "https://a.example.com/hook",
            ]
            flags.webhookSecret = Self.secret
        }
        #expect(configuration.webhookURLs == ["https://a.example.com/hook", "https://b.example.com/hook"])
    }

    static let refusedURLs = [
        "hooks.example.com/gatehouse", "/hooks/gatehouse", "ftp://hooks.example.com/x", "mailto:ops@example.com", "http://", "https:///path",
        "https://hooks.example.com/a#fragment", "https://hooks.example.com:0/", "https://hooks.example.com:70000/", "https://hooks.example .com/",
        "javascript:alert(1)", "file:///etc/passwd",
    ]

    @Test("anything but an absolute http(s) URL is refused, naming the flag or the variable", arguments: refusedURLs)
    func refusedURL(url: String) throws {
        let fromFlag = try Self.refusal { flags in
            flags.webhookURLs = ["https://fine.example.com/hook", url]
            flags.webhookSecret = Self.secret
        }
        #expect(fromFlag.hasPrefix("invalid --webhook-url:"), "\(fromFlag)")
        let fromEnvironment = try Self.refusal(environment: ["GATEHOUSE_WEBHOOK_URLS": url, "GATEHOUSE_WEBHOOK_SECRET": Self.secret])
        #expect(fromEnvironment.hasPrefix("invalid GATEHOUSE_WEBHOOK_URLS:"), "\(fromEnvironment)")
    }

    @Test("an endpoint with a user name and password is refused without repeating the password")
    func credentialsInURL() throws {
        let message = try Self.refusal { flags in
            flags.webhookURLs = ["https://hooker:s3cr3t-pass@hooks.example.com/x"]
            flags.webhookSecret = Self.secret
        }
        #expect(message.hasPrefix("invalid --webhook-url:"))
        #expect(!message.contains("s3cr3t-pass"))
    }

    @Test("endpoints without a secret are refused, naming both settings")
    func urlsWithoutSecret() throws {
        let fromFlag = try Self.refusal { $0.webhookURLs = ["https://hooks.example.com/x"] }
        #expect(fromFlag.contains("--webhook-url"))
        #expect(fromFlag.contains("--webhook-secret"))
        let fromEnvironment = try Self.refusal(environment: ["GATEHOUSE_WEBHOOK_URLS": "https://hooks.example.com/x"])
        #expect(fromEnvironment.contains("GATEHOUSE_WEBHOOK_URLS"))
        #expect(fromEnvironment.contains("GATEHOUSE_WEBHOOK_SECRET"))
    }

    @Test("a secret without endpoints is refused, naming it, without repeating it")
    func secretWithoutURLs() throws {
        let fromFlag = try Self.refusal { $0.webhookSecret = Self.secret }
        #expect(fromFlag.contains("--webhook-secret"))
        #expect(fromFlag.contains("--webhook-url"))
        let fromEnvironment = try Self.refusal(environment: ["GATEHOUSE_WEBHOOK_SECRET": Self.secret])
        #expect(fromEnvironment.contains("GATEHOUSE_WEBHOOK_SECRET"))
        for message in [fromFlag, fromEnvironment] {
            #expect(!message.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        }
    }

    static let malformedSecrets = [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64 at all!", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La",
        "whsec_" + Data(repeating: 1, count: 16).base64EncodedString(), "whsec_" + Data(repeating: 1, count: 65).base64EncodedString(),
        "a-plain-shared-secret-of-enough-length",
    ]

    @Test("a malformed secret is refused, naming the flag or the variable, without repeating it", arguments: malformedSecrets)
    func malformedSecret(secret: String) throws {
        let fromFlag = try Self.refusal { flags in
            flags.webhookURLs = ["https://hooks.example.com/x"]
            flags.webhookSecret = secret
        }
        #expect(fromFlag.hasPrefix("invalid --webhook-secret:"), "\(fromFlag)")
        let fromEnvironment = try Self.refusal(environment: [
            "GATEHOUSE_WEBHOOK_URLS": "https://hooks.example.com/x", "GATEHOUSE_WEBHOOK_SECRET": secret,
        ])
        #expect(fromEnvironment.hasPrefix("invalid GATEHOUSE_WEBHOOK_SECRET:"), "\(fromEnvironment)")
        let key = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        for message in [fromFlag, fromEnvironment] where key.count >= 4 {
            #expect(!message.contains(key), "\(message)")
        }
    }

    @Test(
        "--webhook-retry-delay takes a duration from 1s to 1h",
        arguments: [("1s", Duration.seconds(1)), ("45s", .seconds(45)), ("15m", .seconds(900)), ("1h", .seconds(3_600))]
    )
    func retryDelay(text: String, delay: Duration) throws {
        let configuration = try Self.resolve { $0.webhookRetryDelay = text }
        #expect(configuration.webhookRetryDelay == delay)
        #expect(configuration.webhookRetryPolicy.delay(afterAttempt: 1) == delay)
        #expect(configuration.webhookRetryPolicy.delay(afterAttempt: 40) == .seconds(3_600))
        #expect(configuration.webhookRetryPolicy.maximumAttempts == 8)
    }

    @Test("any other retry delay is refused, naming the flag or the variable", arguments: ["0s", "500ms", "2h", "10", "soon", "-5s"])
    func refusedRetryDelay(text: String) throws {
        #expect(try Self.refusal { $0.webhookRetryDelay = text }.hasPrefix("invalid --webhook-retry-delay:"))
        #expect(try Self.refusal(environment: ["GATEHOUSE_WEBHOOK_RETRY_DELAY": text]).hasPrefix("invalid GATEHOUSE_WEBHOOK_RETRY_DELAY:"))
    }

    @Test("a configuration with a secret never shows it when printed")
    func secretNotPrinted() throws {
        let configuration = try Self.resolve { flags in
            flags.webhookURLs = ["https://hooks.example.com/x"]
            flags.webhookSecret = Self.secret
        }
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            #expect(!text.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        }
    }

    // MARK: The service

    @Test("the server runs a webhook courier exactly when endpoints are configured")
    func courierWiring() async throws {
        try await withTemporaryDirectory { directory in
            var configured = try Self.resolve { flags in
                flags.webhookURLs = ["https://hooks.example.com/x"]
                flags.webhookSecret = Self.secret
            }
            configured.mailDestination = .directory(path: directory.appendingPathComponent("mail").path)
            var plain = ServerConfiguration()
            plain.mailDestination = configured.mailDestination

            let store = OpenedStore(store: MemoryStore(), location: .sqlite(path: DatabaseLocation.inMemoryPath))
            let withWebhooks = ServerService(configuration: configured, store: store, logger: quietLogger, passwordHasher: cheapHasher)
            let without = ServerService(configuration: plain, store: store, logger: quietLogger, passwordHasher: cheapHasher)
            #expect(withWebhooks.webhookCourier() != nil)
            #expect(without.webhookCourier() == nil)

            let (_, services) = try await withWebhooks.prepare()
            #expect(services.filter { $0 is WebhookCourier }.count == 1)
            let (_, plainServices) = try await without.prepare()
            #expect(!plainServices.contains { $0 is WebhookCourier })
        }
    }
}
