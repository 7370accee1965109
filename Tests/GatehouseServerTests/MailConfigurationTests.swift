import Foundation
import Gatehouse
import GatehouseMail
import Testing

@testable import GatehouseServer

/// The mail settings of `gatehouse serve`: where messages go, what signs them, what they say and where
/// their links point, from flags and environment — and the start-up checks of what cannot work.
@Suite("Server configuration: mail")
struct MailConfigurationTests {
    static let mailSecret = "mail-secret-0123456789-hunter2"

    @Test("without mail settings, messages are files in ./gatehouse-mail, from no-reply@localhost, with links to this server")
    func defaults() throws {
        let configuration = try ServerConfiguration.resolve(flags: ServerFlags(), environment: [:])
        #expect(ServerConfiguration.defaultMailDirectory == "gatehouse-mail")
        #expect(configuration.mailDestination == .directory(path: "gatehouse-mail"))
        #expect(configuration.mailSecret == nil)
        #expect(configuration.mailFrom == "Gatehouse <no-reply@localhost>")
        #expect(configuration.templatesDirectory == nil)
        #expect(configuration.publicURL == nil)
        #expect(configuration.linkBaseURL == "http://127.0.0.1:8080")
        #expect(configuration.verificationPath == "/ui/verify")
        #expect(configuration.recoveryPath == "/ui/reset")
        #expect(configuration.verificationTokenLifetime == .seconds(48 * 3_600))
        #expect(configuration.recoveryTokenLifetime == .seconds(3_600))
        #expect(!configuration.requiresVerifiedEmail)
        #expect(configuration.messageLimitPerEmail == RateLimit(count: 5, window: .seconds(3_600)))
        #expect(configuration.messageLimitPerAddress == RateLimit(count: 20, window: .seconds(3_600)))
    }

    static let mailURLs: [(url: String, destination: MailDestination)] = [
        ("smtp://127.0.0.1:2525", .smtp(SMTPConfiguration(host: "127.0.0.1", port: 2525, security: .none))),
        (
            "smtps://mailer:p%40ss@mail.example.com",
            .smtp(
                SMTPConfiguration(
                    host: "mail.example.com",
                    port: 465,
                    security: .implicitTLS,
                    credentials: SMTPCredentials(username: "mailer", password: "p@ss")
                )
            )
        ),
        ("smtp://mail.example.com", .smtp(SMTPConfiguration(host: "mail.example.com", port: 587, security: .startTLS))),
        ("file:///var/spool/gatehouse", .directory(path: "/var/spool/gatehouse")),
        ("file://outgoing", .directory(path: "outgoing")),
    ]

    @Test("--mail-url and GATEHOUSE_MAIL_URL name the destination", arguments: mailURLs)
    func mailURL(url: String, destination: MailDestination) throws {
        var flags = ServerFlags()
        flags.mailURL = url
        #expect(try ServerConfiguration.resolve(flags: flags, environment: [:]).mailDestination == destination)
        #expect(try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_MAIL_URL": url]).mailDestination == destination)
    }

    @Test("the flag wins over the variable, and an empty variable counts as unset")
    func mailURLPrecedence() throws {
        var flags = ServerFlags()
        flags.mailURL = "file:///from/flag"
        let environment = ["GATEHOUSE_MAIL_URL": "smtp://127.0.0.1:25", "GATEHOUSE_MAIL_FROM": "Env <env@example.com>"]
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: environment)
        #expect(configuration.mailDestination == .directory(path: "/from/flag"))
        #expect(configuration.mailFrom == "Env <env@example.com>")
        let unset = try ServerConfiguration.resolve(flags: ServerFlags(), environment: ["GATEHOUSE_MAIL_URL": "", "GATEHOUSE_PUBLIC_URL": ""])
        #expect(unset.mailDestination == .directory(path: "gatehouse-mail"))
        #expect(unset.publicURL == nil)
    }

    @Test("an HTTP endpoint takes the secret from --mail-secret or GATEHOUSE_MAIL_SECRET")
    func httpWithSecret() throws {
        var flags = ServerFlags()
        flags.mailURL = "https://api.example.com/mail"
        flags.mailSecret = Self.mailSecret
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        #expect(configuration.mailDestination == .http(url: "https://api.example.com/mail"))
        #expect(configuration.mailSecret?.value == Self.mailSecret)

        let fromEnvironment = try ServerConfiguration.resolve(
            flags: ServerFlags(),
            environment: ["GATEHOUSE_MAIL_URL": "http://127.0.0.1:9000/mail", "GATEHOUSE_MAIL_SECRET": "exactly-16-bytes"]
        )
        #expect(fromEnvironment.mailDestination == .http(url: "http://127.0.0.1:9000/mail"))
        #expect(fromEnvironment.mailSecret == "exactly-16-bytes")
        #expect(!configuration.mailDestination.summary.contains(Self.mailSecret))
    }

    // As for the signing secret (ServerConfigurationTests.secretsStayHidden): a printed configuration
    // must not show a secret.
    @Test("a printed configuration does not show the mail secret")
    func mailSecretHidden() throws {
        var flags = ServerFlags()
        flags.mailURL = "https://api.example.com/mail"
        flags.mailSecret = Self.mailSecret
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        let printed = "\(configuration) \(String(reflecting: configuration))"
        #expect(printed.contains("api.example.com"))
        #expect(!printed.contains(Self.mailSecret))
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var flags: ServerFlags
        var environment: [String: String] = [:]
        /// What the message must say.
        var message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "https without a secret", flags: mailFlags { $0.mailURL = "https://api.example.com/mail" }, message: "needs --mail-secret"),
        Refusal(
            name: "loopback http without a secret",
            flags: ServerFlags(),
            environment: ["GATEHOUSE_MAIL_URL": "http://127.0.0.1:9000/mail"],
            message: "needs --mail-secret (GATEHOUSE_MAIL_SECRET)"
        ),
        Refusal(
            name: "a secret under 16 bytes",
            flags: mailFlags {
                $0.mailURL = "https://api.example.com/mail"
                $0.mailSecret = "hunter2-15bytes"
            },
            message: "invalid --mail-secret: the secret must be at least 16 bytes"
        ),
        Refusal(
            name: "a short secret from the environment",
            flags: ServerFlags(),
            environment: ["GATEHOUSE_MAIL_URL": "https://api.example.com/mail", "GATEHOUSE_MAIL_SECRET": "hunter2"],
            message: "invalid GATEHOUSE_MAIL_SECRET"
        ),
        Refusal(
            name: "an http URL off loopback",
            flags: mailFlags {
                $0.mailURL = "http://user:hunter2@api.example.com/mail"
                $0.mailSecret = MailConfigurationTests.mailSecret
            },
            message: "invalid --mail-url: an http:// mail URL must point to a loopback address"
        ),
        Refusal(
            name: "a user without a password",
            flags: ServerFlags(),
            environment: ["GATEHOUSE_MAIL_URL": "smtp://hunter2@mail.example.com"],
            message: "invalid GATEHOUSE_MAIL_URL"
        ),
        Refusal(name: "an unknown parameter", flags: mailFlags { $0.mailURL = "smtp://u:hunter2@mail.example.com?pw=hunter2" }, message: "pw"),
        Refusal(name: "an unknown scheme", flags: mailFlags { $0.mailURL = "imap://u:hunter2@mail.example.com" }, message: "invalid --mail-url"),
        Refusal(name: "a sender without an address", flags: mailFlags { $0.mailFrom = "Gatehouse" }, message: "invalid --mail-from: 'Gatehouse'"),
        Refusal(
            name: "a sender with a line break",
            flags: mailFlags { $0.mailFrom = "a@example.com\r\nBcc: x@example.com" },
            message: "invalid --mail-from"
        ),
        Refusal(name: "a public URL without a scheme", flags: mailFlags { $0.publicURL = "app.example.com" }, message: "invalid --public-url"),
        Refusal(name: "a public URL of another scheme", flags: mailFlags { $0.publicURL = "ftp://app.example.com" }, message: "is not a URL such as"),
        Refusal(
            name: "a public URL with a query",
            flags: mailFlags { $0.publicURL = "https://app.example.com/?a=1" },
            message: "invalid --public-url"
        ),
        Refusal(
            name: "a public URL with a fragment",
            flags: mailFlags { $0.publicURL = "https://app.example.com/#top" },
            message: "invalid --public-url"
        ),
        Refusal(name: "a public URL with a user name", flags: mailFlags { $0.publicURL = "https://admin@app.example.com" }, message: "--public-url"),
        Refusal(
            name: "a public URL without a host",
            flags: ServerFlags(),
            environment: ["GATEHOUSE_PUBLIC_URL": "https://"],
            message: "GATEHOUSE_PUBLIC_URL"
        ),
        Refusal(
            name: "a relative verification path",
            flags: mailFlags { $0.verificationPath = "ui/verify" },
            message: "is not a path starting with /"
        ),
        Refusal(name: "a recovery path with a space", flags: mailFlags { $0.recoveryPath = "/ui/re set" }, message: "invalid --recovery-path"),
        Refusal(name: "a lifetime under a minute", flags: mailFlags { $0.verificationTokenLifetime = "30s" }, message: "must be at least"),
        Refusal(
            name: "a lifetime without a unit",
            flags: mailFlags { $0.recoveryTokenLifetime = "3600" },
            message: "invalid --recovery-token-lifetime"
        ),
        Refusal(
            name: "a lifetime that is no duration",
            flags: ServerFlags(),
            environment: ["GATEHOUSE_VERIFICATION_TOKEN_LIFETIME": "two days"],
            message: "invalid GATEHOUSE_VERIFICATION_TOKEN_LIFETIME"
        ),
        Refusal(name: "a message limit", flags: mailFlags { $0.messageEmailLimit = "5" }, message: "invalid --message-email-limit"),
        Refusal(name: "an address message limit", flags: mailFlags { $0.messageAddressLimit = "0/1h" }, message: "invalid --message-address-limit"),
        Refusal(
            name: "require verified e-mail",
            flags: ServerFlags(),
            environment: ["GATEHOUSE_REQUIRE_VERIFIED_EMAIL": "sometimes"],
            message: "invalid GATEHOUSE_REQUIRE_VERIFIED_EMAIL"
        ),
    ]

    @Test("mail settings that cannot work are refused with a message naming the setting, never repeating a secret", arguments: refusals)
    func refused(_ refusal: Refusal) {
        let error = #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration.resolve(flags: refusal.flags, environment: refusal.environment)
        }
        let message = error?.message ?? ""
        #expect(message.contains(refusal.message), "\(message)")
        #expect(!message.contains("hunter2"), "\(message)")
        #expect(!message.contains(Self.mailSecret), "\(message)")
    }

    // `Value.invalid` quotes the value it refuses, which for a URL with credentials is the password.
    @Test("a public URL with a password is refused without repeating the password")
    func publicURLWithPassword() {
        var flags = ServerFlags()
        flags.publicURL = "https://u:hunter2@app.example.com"
        let error = #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration.resolve(flags: flags, environment: [:])
        }
        #expect(error?.message.hasPrefix("invalid --public-url") == true)
        #expect(error?.message.contains("hunter2") == false, "\(error?.message ?? "")")
    }

    static let publicURLs: [(given: String, stored: String)] = [
        ("https://app.example.com", "https://app.example.com"),
        ("https://app.example.com/", "https://app.example.com"),
        ("https://app.example.com/accounts//", "https://app.example.com/accounts"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("HTTPS://App.Example.com:8443/base", "HTTPS://App.Example.com:8443/base"),
    ]

    @Test("--public-url is kept without its trailing slashes, and links start with it", arguments: publicURLs)
    func publicURL(given: String, stored: String) throws {
        var flags = ServerFlags()
        flags.publicURL = given
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        #expect(configuration.publicURL == stored)
        #expect(configuration.linkBaseURL == stored)
        let links = try Self.accountsOptions(configuration).links
        #expect(links.verification(token: "t0k") == stored + "/ui/verify?token=t0k")
        #expect(links.recovery(token: "t0k") == stored + "/ui/reset?token=t0k")
    }

    @Test(
        "without --public-url, links point to the server's own address, never to a wildcard",
        arguments: [
            ("127.0.0.1", "http://127.0.0.1:9090"), ("0.0.0.0", "http://localhost:9090"), ("::", "http://localhost:9090"),
            ("::1", "http://[::1]:9090"),
        ]
    )
    func linkBase(host: String, base: String) throws {
        var flags = ServerFlags()
        flags.host = host
        flags.port = "9090"
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        #expect(configuration.linkBaseURL == base)
        #expect(try Self.accountsOptions(configuration).links.baseURL == base)
    }

    @Test("the sender, templates, paths, lifetimes and limits reach the configuration and the accounts options")
    func settingsReachAccounts() throws {
        var flags = ServerFlags()
        flags.mailFrom = "Acme Accounts <accounts@acme.example>"
        flags.templates = "/etc/gatehouse/templates"
        flags.publicURL = "https://acme.example"
        flags.verificationPath = "/account/verify"
        flags.recoveryPath = "/account/reset?step=2"
        flags.verificationTokenLifetime = "2d"
        flags.recoveryTokenLifetime = "15m"
        flags.requireVerifiedEmail = true
        flags.messageEmailLimit = "3/1d"
        flags.messageAddressLimit = "50/1h"
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
        #expect(configuration.mailFrom == "Acme Accounts <accounts@acme.example>")
        #expect(configuration.templatesDirectory == "/etc/gatehouse/templates")
        #expect(configuration.verificationPath == "/account/verify")
        #expect(configuration.recoveryPath == "/account/reset?step=2")
        #expect(configuration.verificationTokenLifetime == .seconds(2 * 86_400))
        #expect(configuration.recoveryTokenLifetime == .seconds(900))
        #expect(configuration.requiresVerifiedEmail)

        let options = try Self.accountsOptions(configuration)
        #expect(options.messageSender == "Acme Accounts <accounts@acme.example>")
        #expect(options.emailVerificationTokenLifetime == .seconds(2 * 86_400))
        #expect(options.passwordResetTokenLifetime == .seconds(900))
        #expect(options.requiresVerifiedEmail)
        #expect(options.sendsVerificationOnSignUp)
        #expect(options.messageLimitPerEmail == RateLimit(count: 3, window: .seconds(86_400)))
        #expect(options.messageLimitPerAddress == RateLimit(count: 50, window: .seconds(3_600)))
        #expect(options.links.verification(token: "x") == "https://acme.example/account/verify?token=x")
        #expect(options.links.recovery(token: "x") == "https://acme.example/account/reset?step=2&token=x")
    }

    @Test("the same settings come from the environment")
    func settingsFromEnvironment() throws {
        let configuration = try ServerConfiguration.resolve(
            flags: ServerFlags(),
            environment: [
                "GATEHOUSE_MAIL_FROM": "noreply@acme.example",
                "GATEHOUSE_TEMPLATES": "templates",
                "GATEHOUSE_PUBLIC_URL": "https://acme.example/",
                "GATEHOUSE_VERIFICATION_PATH": "/v",
                "GATEHOUSE_RECOVERY_PATH": "/r",
                "GATEHOUSE_VERIFICATION_TOKEN_LIFETIME": "1h",
                "GATEHOUSE_RECOVERY_TOKEN_LIFETIME": "1m",
                "GATEHOUSE_REQUIRE_VERIFIED_EMAIL": "yes",
                "GATEHOUSE_MESSAGE_EMAIL_LIMIT": "1/1m",
                "GATEHOUSE_MESSAGE_ADDRESS_LIMIT": "2/2m",
            ]
        )
        #expect(configuration.mailFrom == "noreply@acme.example")
        #expect(configuration.templatesDirectory == "templates")
        #expect(configuration.publicURL == "https://acme.example")
        #expect(configuration.verificationPath == "/v")
        #expect(configuration.recoveryPath == "/r")
        #expect(configuration.verificationTokenLifetime == .seconds(3_600))
        #expect(configuration.recoveryTokenLifetime == .seconds(60))
        #expect(configuration.requiresVerifiedEmail)
        #expect(configuration.messageLimitPerEmail == RateLimit(count: 1, window: .seconds(60)))
        #expect(configuration.messageLimitPerAddress == RateLimit(count: 2, window: .seconds(120)))
    }

    // MARK: Start-up checks

    @Test("a templates directory whose template does not parse stops the server at start")
    func brokenTemplates() async throws {
        try await withTemporaryDirectory { directory in
            let templates = directory.appendingPathComponent("templates")
            try Self.writeTemplate("verify_email.html.mustache", "{{#open}} never closed", in: templates)
            var configuration = ServerConfiguration()
            configuration.templatesDirectory = templates.path
            configuration.mailDestination = .directory(path: directory.appendingPathComponent("mail").path)
            let server = try Self.server(configuration, in: directory)
            #expect(throws: MessageRenderer.RenderingError.self) { try server.courier() }
        }
    }

    // `resolve` reads nothing from disk, so the refusal belongs to the start-up checks: `serve` builds a
    // `MessageRenderer`, and `ServerService` its courier.
    @Test("a --templates directory that does not exist stops the server at start")
    func missingTemplates() async throws {
        try await withTemporaryDirectory { directory in
            var flags = ServerFlags()
            flags.templates = directory.appendingPathComponent("no-such-templates").path
            flags.mailURL = "file://" + directory.appendingPathComponent("mail").path
            let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
            let server = try Self.server(configuration, in: directory)
            let error = #expect(throws: MessageRenderer.RenderingError.self) { try server.courier() }
            #expect(error?.description.contains("no-such-templates") == true)
            #expect(throws: MessageRenderer.RenderingError.self) {
                try MessageRenderer(templatesDirectory: configuration.templatesDirectory, sender: configuration.mailFrom)
            }
        }
    }

    @Test("a mail destination that cannot work stops the server at start, without repeating a secret")
    func unusableDestination() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: file)
            var configuration = ServerConfiguration()
            configuration.mailDestination = .directory(path: file.path)
            #expect(throws: MailDestination.TransportError.self) { try Self.server(configuration, in: directory).courier() }

            var flags = ServerFlags()
            flags.mailURL = "smtps://mailer:hunter2@mail.example.com?ca=\(directory.path)/missing-ca.pem"
            let smtp = try ServerConfiguration.resolve(flags: flags, environment: [:])
            let error = #expect(throws: MailDestination.TransportError.self) { try Self.server(smtp, in: directory).courier() }
            #expect(error?.description.contains("hunter2") == false)
        }
    }

    @Test("the courier the server builds sends with the configured sender, templates and links")
    func courierUsesConfiguration() async throws {
        try await withTemporaryDirectory { directory in
            let templates = directory.appendingPathComponent("templates")
            try Self.writeTemplate("verify_email.subject.mustache", "Welcome to {{brand}}, {{username}}", in: templates)
            let mail = directory.appendingPathComponent("mail")
            var flags = ServerFlags()
            flags.mailURL = "file://" + mail.path
            flags.mailFrom = "Acme <accounts@acme.example>"
            flags.templates = templates.path
            flags.publicURL = "https://acme.example"
            flags.verificationPath = "/account/verify"
            flags.verificationTokenLifetime = "3h"
            let configuration = try ServerConfiguration.resolve(flags: flags, environment: [:])
            let opened = try await openSQLite(directory.appendingPathComponent("gatehouse.sqlite").path)
            let ring = KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret"))
            let accounts = makeAccounts(store: opened.store, ring: ring, configuration: configuration)
            _ = try await accounts.signUp(
                CreateAccountInput(username: "zoe", email: "zoe@example.com", password: "correct horse battery staple"),
                client: ConnectionInfo(ip: "127.0.0.1", userAgent: "tests/1")
            )

            let courier = try ServerService(configuration: configuration, store: opened, logger: quietLogger).courier()
            #expect(try await courier.deliverDueMessages() == 1)

            let files = try FileManager.default.contentsOfDirectory(atPath: mail.path)
            #expect(files.count == 1)
            let raw = try String(contentsOf: mail.appendingPathComponent(try #require(files.first)), encoding: .utf8)
            #expect(raw.contains("From: Acme <accounts@acme.example>\r\n"))
            #expect(raw.contains("To: zoe@example.com\r\n") || raw.contains("To: <zoe@example.com>\r\n"))
            #expect(raw.contains("Subject: Welcome to Gatehouse, zoe\r\n"))
            #expect(raw.contains("https://acme.example/account/verify?token="))
            #expect(raw.contains("expires in 3 hours"))
            #expect(try await opened.store.messages(status: .sent, limit: 10).count == 1)
        }
    }

    // MARK: Helpers

    static func accountsOptions(_ configuration: ServerConfiguration) throws -> AccountsOptions {
        let ring = KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret"))
        return configuration.accountsOptions(keyRing: ring, logger: quietLogger, passwordHasher: cheapHasher)
    }

    /// A server on a fresh SQLite file in `directory`, not started.
    static func server(_ configuration: ServerConfiguration, in directory: URL) throws -> ServerService {
        let opened = try StoreOpener.open(.sqlite(path: directory.appendingPathComponent("server.sqlite").path), logger: quietLogger)
        return ServerService(configuration: configuration, store: opened, logger: quietLogger)
    }

    static func writeTemplate(_ name: String, _ content: String, in templates: URL) throws {
        let folder = templates.appendingPathComponent("mail", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: folder.appendingPathComponent(name))
    }
}

/// Flags with some fields set, for the table of refusals.
private func mailFlags(_ change: (inout ServerFlags) -> Void) -> ServerFlags {
    var flags = ServerFlags()
    change(&flags)
    return flags
}
