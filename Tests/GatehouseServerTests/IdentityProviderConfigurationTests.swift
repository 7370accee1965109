import Crypto
import Foundation
import Gatehouse
import GatehouseOIDC
import Testing

@testable import GatehouseServer

/// The identity provider settings of `gatehouse serve`: `--oidc NAME=ISSUER_URL` (or `GATEHOUSE_OIDC`),
/// each provider's client from `GATEHOUSE_OIDC_<NAME>_…`, the Apple and Google presets, `--external-url`
/// — and the refusals of what cannot work, which never repeat a secret.
@Suite("Server configuration: identity providers")
struct IdentityProviderConfigurationTests {
    static func resolve(_ configure: (inout ServerFlags) -> Void = { _ in }, environment: [String: String] = [:]) throws -> ServerConfiguration {
        var flags = ServerFlags()
        configure(&flags)
        return try ServerConfiguration.resolve(flags: flags, environment: environment)
    }

    static func refusal(_ configure: (inout ServerFlags) -> Void = { _ in }, environment: [String: String] = [:]) throws -> String {
        var flags = ServerFlags()
        configure(&flags)
        let error = try #require(throws: ServerConfigurationError.self) { try ServerConfiguration.resolve(flags: flags, environment: environment) }
        return error.message
    }

    @Test("no provider by default; the callbacks are under the server's own address")
    func defaults() throws {
        let configuration = try Self.resolve { $0.port = "8123" }
        #expect(configuration.identityProviders.isEmpty)
        #expect(configuration.browserBaseURL == "http://127.0.0.1:8123")
        #expect(configuration.accountPages?.identityProviders == [])
    }

    @Test("--oidc, repeated, with each client from its variables; names are folded, dashes become _ in variables")
    func flags() throws {
        let configuration = try Self.resolve(
            { flags in
                flags.identityProviders = [
                    "Corp-SSO=https://sso.example.com/realms/main", "okta=https://okta.example.com/.well-known/openid-configuration",
                ]
                flags.externalURL = "https://auth.example.com/"
            },
            environment: [
                "GATEHOUSE_OIDC_CORP_SSO_CLIENT_ID": "gatehouse",
                "GATEHOUSE_OIDC_CORP_SSO_CLIENT_SECRET": "s3cr3t-value",
                "GATEHOUSE_OIDC_CORP_SSO_SCOPES": "openid email",
                "GATEHOUSE_OIDC_CORP_SSO_AUDIENCES": "com.example.ios, com.example.mac",
                "GATEHOUSE_OIDC_OKTA_CLIENT_ID": "okta-client",
            ]
        )
        let providers = configuration.identityProviders
        #expect(providers.map(\.name) == ["corp-sso", "okta"])
        #expect(providers[0].issuer == "https://sso.example.com/realms/main" && providers[0].discoveryURL == nil)
        #expect(providers[0].clientSecret?.value == "s3cr3t-value" && providers[0].scopes == ["openid", "email"])
        #expect(providers[0].additionalAudiences == ["com.example.ios", "com.example.mac"])
        #expect(
            providers[1].issuer == "https://okta.example.com"
                && providers[1].discoveryURL == "https://okta.example.com/.well-known/openid-configuration"
        )
        #expect(providers[1].clientSecret == nil)
        #expect(configuration.browserBaseURL == "https://auth.example.com")
        #expect(configuration.accountPages?.identityProviders.map(\.displayName) == ["Corp-sso", "Okta"])

        let resolved = try providers[0].configuration()
        #expect(resolved.discoveryURL == "https://sso.example.com/realms/main/.well-known/openid-configuration")
        #expect(resolved.audiences == ["gatehouse", "com.example.ios", "com.example.mac"])
        #expect("\(providers[0])".contains("s3cr3t-value") == false)
    }

    @Test("GATEHOUSE_OIDC and GATEHOUSE_EXTERNAL_URL do the same; google needs no URL")
    func environment() throws {
        let configuration = try Self.resolve(environment: [
            "GATEHOUSE_OIDC": "google, test=http://127.0.0.1:9000",
            "GATEHOUSE_OIDC_GOOGLE_CLIENT_ID": "123.apps.googleusercontent.com",
            "GATEHOUSE_OIDC_GOOGLE_CLIENT_SECRET": "x",
            "GATEHOUSE_OIDC_TEST_CLIENT_ID": "test-client",
            "GATEHOUSE_EXTERNAL_URL": "http://localhost:8080",
        ])
        #expect(configuration.identityProviders.map(\.name) == ["google", "test"])
        #expect(configuration.identityProviders[0].issuer == "https://accounts.google.com" && configuration.identityProviders[0].preset == .google)
        #expect(configuration.identityProviders[1].preset == .generic)
        #expect(configuration.browserBaseURL == "http://localhost:8080")
        #expect(try configuration.identityProviders[0].configuration().scopes == ["openid", "email", "profile"])
    }

    @Test("apple: the client secret is a JWT signed with the key file; form_post and Apple's scopes")
    func apple() throws {
        let key = P256.Signing.PrivateKey()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-apple-\(UUID().uuidString).p8")
        try key.pemRepresentation.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try Self.resolve(
            { $0.identityProviders = ["apple"] },
            environment: [
                "GATEHOUSE_OIDC_APPLE_CLIENT_ID": "com.example.web",
                "GATEHOUSE_OIDC_APPLE_TEAM_ID": "TEAM123456",
                "GATEHOUSE_OIDC_APPLE_KEY_ID": "KEY1234567",
                "GATEHOUSE_OIDC_APPLE_PRIVATE_KEY_FILE": file.path,
            ]
        )
        let apple = try #require(configuration.identityProviders.first)
        #expect(apple.issuer == "https://appleid.apple.com" && apple.preset == .apple)
        #expect(apple.appleKey?.teamID == "TEAM123456" && apple.appleKey?.keyID == "KEY1234567")
        #expect(!"\(apple)".contains("PRIVATE KEY"))
        let resolved = try apple.configuration()
        #expect(resolved.usesFormPost && resolved.scopes == ["openid", "name", "email"] && resolved.displayName == "Apple")
        guard case .apple(let signer) = resolved.clientAuthentication else {
            Issue.record("the Apple preset does not sign its client secret")
            return
        }
        #expect(signer.teamID == "TEAM123456" && signer.clientID == "com.example.web")
    }

    static let refused: [(flag: String, environment: [String: String], expected: String)] = [
        ("nope", ["GATEHOUSE_OIDC_NOPE_CLIENT_ID": "x"], "invalid --oidc: 'nope' needs an issuer URL"),
        ("=https://id.example.com", [:], "invalid --oidc:"),
        ("bad name=https://id.example.com", [:], "invalid --oidc:"),
        ("test=ftp://id.example.com", ["GATEHOUSE_OIDC_TEST_CLIENT_ID": "x"], "invalid --oidc:"),
        ("test=https://id.example.com", [:], "the provider test needs its client id in GATEHOUSE_OIDC_TEST_CLIENT_ID"),
        (
            "apple", ["GATEHOUSE_OIDC_APPLE_CLIENT_ID": "x", "GATEHOUSE_OIDC_APPLE_TEAM_ID": "T"],
            "GATEHOUSE_OIDC_APPLE_TEAM_ID needs GATEHOUSE_OIDC_APPLE_KEY_ID"
        ),
        (
            "apple",
            [
                "GATEHOUSE_OIDC_APPLE_CLIENT_ID": "x", "GATEHOUSE_OIDC_APPLE_TEAM_ID": "T", "GATEHOUSE_OIDC_APPLE_KEY_ID": "K",
                "GATEHOUSE_OIDC_APPLE_PRIVATE_KEY_FILE": "/nonexistent/key.p8",
            ],
            "invalid GATEHOUSE_OIDC_APPLE_PRIVATE_KEY_FILE: the file cannot be read"
        ),
    ]

    @Test("settings that cannot work stop the server with a message naming the setting", arguments: refused)
    func refusals(_ refusal: (flag: String, environment: [String: String], expected: String)) throws {
        let message = try Self.refusal({ $0.identityProviders = [refusal.flag] }, environment: refusal.environment)
        #expect(message.hasPrefix(refusal.expected), "\(message)")
    }

    @Test("a provider named twice, or a malformed --external-url, is refused")
    func duplicates() throws {
        let twice = try Self.refusal(
            { $0.identityProviders = ["test=https://a.example.com", "TEST=https://b.example.com"] },
            environment: ["GATEHOUSE_OIDC_TEST_CLIENT_ID": "x"]
        )
        #expect(twice.contains("names a provider a second time"))
        let external = try Self.refusal { $0.externalURL = "auth.example.com" }
        #expect(external.hasPrefix("invalid --external-url:"))
    }

    @Test("a key file that is not a P-256 key is refused without quoting it")
    func unreadableKey() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-apple-\(UUID().uuidString).p8")
        try "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n".write(
            to: file,
            atomically: true,
            encoding: .utf8
        )
        defer { try? FileManager.default.removeItem(at: file) }
        let message = try Self.refusal(
            { $0.identityProviders = ["apple"] },
            environment: [
                "GATEHOUSE_OIDC_APPLE_CLIENT_ID": "x", "GATEHOUSE_OIDC_APPLE_TEAM_ID": "T", "GATEHOUSE_OIDC_APPLE_KEY_ID": "K",
                "GATEHOUSE_OIDC_APPLE_PRIVATE_KEY_FILE": file.path,
            ]
        )
        #expect(message.contains("GATEHOUSE_OIDC_APPLE_PRIVATE_KEY_FILE") && !message.contains("c2VjcmV0"))
    }

    @Test("KEEP_TOKENS keeps a provider's tokens, and needs GATEHOUSE_OIDC_TOKEN_KEYS, which is never echoed")
    func keptTokens() throws {
        let key = Data(repeating: 3, count: 32).base64EncodedString()
        let base = ["GATEHOUSE_OIDC_TEST_CLIENT_ID": "x", "GATEHOUSE_OIDC_TEST_KEEP_TOKENS": "true"]
        let configuration = try Self.resolve(
            { $0.identityProviders = ["test=https://id.example.com"] },
            environment: base.merging(["GATEHOUSE_OIDC_TOKEN_KEYS": "k1:\(key)"]) { $1 }
        )
        #expect(configuration.identityProviders.first?.keepsTokens == true)
        #expect(configuration.providerTokenKeys?.value == "k1:\(key)")
        #expect(try configuration.identityProviders[0].configuration().keepsTokens)

        let withoutKeys = try Self.refusal({ $0.identityProviders = ["test=https://id.example.com"] }, environment: base)
        #expect(withoutKeys.contains("GATEHOUSE_OIDC_TEST_KEEP_TOKENS") && withoutKeys.contains("GATEHOUSE_OIDC_TOKEN_KEYS"), "\(withoutKeys)")
        let badKeys = try Self.refusal(
            { $0.identityProviders = ["test=https://id.example.com"] },
            environment: base.merging(["GATEHOUSE_OIDC_TOKEN_KEYS": "k1:c2hvcnQtc2VjcmV0"]) { $1 }
        )
        #expect(badKeys.hasPrefix("invalid GATEHOUSE_OIDC_TOKEN_KEYS") && !badKeys.contains("c2hvcnQtc2VjcmV0"), "\(badKeys)")
        let notABoolean = try Self.refusal(
            { $0.identityProviders = ["test=https://id.example.com"] },
            environment: ["GATEHOUSE_OIDC_TEST_CLIENT_ID": "x", "GATEHOUSE_OIDC_TEST_KEEP_TOKENS": "perhaps"]
        )
        #expect(notABoolean.hasPrefix("invalid GATEHOUSE_OIDC_TEST_KEEP_TOKENS"), "\(notABoolean)")
        #expect(
            try Self.resolve(environment: ["GATEHOUSE_OIDC": "test=https://id.example.com", "GATEHOUSE_OIDC_TEST_CLIENT_ID": "x"]).identityProviders[
                0
            ].keepsTokens == false
        )
    }
}
