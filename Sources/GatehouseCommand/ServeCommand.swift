import ArgumentParser
import Foundation
import Gatehouse
import GatehouseMail
import GatehouseServer
import GatehouseUI
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `gatehouse serve`: the HTTP server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the accounts and sessions HTTP server.",
        discussion: """
            With no options the server listens on 127.0.0.1:8080 and keeps its data in \
            ./gatehouse.sqlite, which is created and migrated on first start; without --secret or \
            --key-file it generates a 256-bit signing key on first start and keeps it in the database. \
            A postgres:// URL for --database lets several servers share one database.

            Every option has a GATEHOUSE_* environment variable, shown with its help; a flag wins over \
            its variable, a variable over the default. Durations are written like 30s, 15m, 12h or 7d.

            SIGINT or SIGTERM stops the server gracefully: it stops accepting connections, finishes the \
            requests in flight, then closes the database.
            """
    )

    @Option(help: "The address to listen on. (env: GATEHOUSE_HOST, default: 127.0.0.1)")
    var host: String?

    @Option(help: "The TCP port; 0 picks a free one. (env: GATEHOUSE_PORT, default: 8080)")
    var port: String?

    @OptionGroup
    var databaseOptions: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "An HS256 secret; its UTF-8 bytes are the HMAC key (key id \"default\"). Visible in the process list: prefer --key-file. (env: GATEHOUSE_SECRET, default: keys kept in the database)",
            valueName: "secret"
        )
    )
    var secret: String?

    @Option(
        help: ArgumentHelp(
            "A file holding the HS256 secret; trailing white space is ignored. (env: GATEHOUSE_KEY_FILE)",
            valueName: "path"
        )
    )
    var keyFile: String?

    @Option(help: ArgumentHelp("Lifetime of each token. (env: GATEHOUSE_TOKEN_DURATION, default: 7d)", valueName: "duration"))
    var tokenDuration: String?

    @Option(
        help: ArgumentHelp(
            "When tokens are renewed: every-request, or once older than a duration such as 5m. (env: GATEHOUSE_RENEWAL, default: every-request)",
            valueName: "policy"
        )
    )
    var renewal: String?

    @Option(
        help: ArgumentHelp(
            "How long a superseded token is still accepted, for parallel requests that carried it. (env: GATEHOUSE_GRACE_PERIOD, default: 30s)",
            valueName: "duration"
        )
    )
    var gracePeriod: String?

    @Option(
        help: ArgumentHelp(
            "A session unused this long is over; none to disable. (env: GATEHOUSE_IDLE_TIMEOUT, default: 7d)",
            valueName: "duration"
        )
    )
    var idleTimeout: String?

    @Option(
        help: ArgumentHelp(
            "A session is over this long after login, however active. (env: GATEHOUSE_ABSOLUTE_LIFETIME, default: 30d)",
            valueName: "duration"
        )
    )
    var absoluteLifetime: String?

    @Flag(
        name: .customLong("no-cookies"),
        help: "Do not set a session cookie on login nor accept one; bearer tokens only. (env: GATEHOUSE_COOKIES=false)"
    )
    var noCookies = false

    @Option(help: ArgumentHelp("The session cookie's name. (env: GATEHOUSE_COOKIE_NAME, default: __Host-gatehouse)", valueName: "name"))
    var cookieName: String?

    @Option(
        help: ArgumentHelp(
            "The cookie's Secure attribute; browsers accept Secure cookies on http://localhost too. false needs a --cookie-name without the __Host- prefix. (env: GATEHOUSE_COOKIE_SECURE, default: true)",
            valueName: "true|false"
        )
    )
    var cookieSecure: String?

    @Option(
        name: .customLong("token-transport"),
        help: ArgumentHelp(
            "How a login hands over its token when the request sends no Gatehouse-Transport header: cookie (browsers), bearer (apps) or both. (env: GATEHOUSE_TOKEN_TRANSPORT, default: both)",
            valueName: "cookie|bearer|both"
        )
    )
    var tokenTransport: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy (address or CIDR block) whose X-Forwarded-For is believed, read from the right; repeat for more. (env: GATEHOUSE_TRUSTED_PROXIES, comma-separated, default: none)",
            valueName: "cidr"
        )
    )
    var trustedProxies: [String] = []

    @Option(
        name: .customLong("login-limit"),
        help: ArgumentHelp("Password attempts per account and address. (env: GATEHOUSE_LOGIN_LIMIT, default: 5/15m)", valueName: "count/duration")
    )
    var loginLimit: String?

    @Option(
        name: .customLong("login-address-limit"),
        help: ArgumentHelp(
            "Password attempts per address (IPv6: per /64). (env: GATEHOUSE_LOGIN_ADDRESS_LIMIT, default: 20/15m)",
            valueName: "count/duration"
        )
    )
    var loginAddressLimit: String?

    @Option(
        name: .customLong("login-account-limit"),
        help: ArgumentHelp(
            "Password attempts per account from addresses that have not logged in to it in 30 days. (env: GATEHOUSE_LOGIN_ACCOUNT_LIMIT, default: 100/15m)",
            valueName: "count/duration"
        )
    )
    var loginAccountLimit: String?

    @Option(
        name: .customLong("signup-limit"),
        help: ArgumentHelp("Sign-ups per address. (env: GATEHOUSE_SIGNUP_LIMIT, default: 20/1h)", valueName: "count/duration")
    )
    var signUpLimit: String?

    @Option(
        name: .customLong("passkey-login-limit"),
        help: ArgumentHelp(
            "Passkey logins an address may start (each stores a challenge for 5 minutes). (env: GATEHOUSE_PASSKEY_LOGIN_LIMIT, default: 30/5m)",
            valueName: "count/duration"
        )
    )
    var passkeyLogInLimit: String?

    @Option(
        name: .customLong("mail-url"),
        help: ArgumentHelp(
            "Where messages go: smtp://user:pass@host:port (STARTTLS, required unless the host is loopback or ?tls=none), smtps://… (implicit TLS), https://… (a signed JSON POST per message) or file:///dir (an .eml file per message). (env: GATEHOUSE_MAIL_URL, default: file://./gatehouse-mail)",
            valueName: "url"
        )
    )
    var mailURL: String?

    @Option(
        name: .customLong("mail-secret"),
        help: ArgumentHelp(
            "The secret that signs messages posted to an https:// mail URL (Gatehouse-Signature header), 16 bytes or more. (env: GATEHOUSE_MAIL_SECRET)",
            valueName: "secret"
        )
    )
    var mailSecret: String?

    @Option(
        name: .customLong("mail-from"),
        help: ArgumentHelp("Who messages come from. (env: GATEHOUSE_MAIL_FROM, default: Gatehouse <no-reply@localhost>)", valueName: "address")
    )
    var mailFrom: String?

    @Option(
        name: .customLong("templates"),
        help: ArgumentHelp(
            "A directory whose mail/KIND.subject|text|html.mustache files replace the built-in message templates. (env: GATEHOUSE_TEMPLATES)",
            valueName: "dir"
        )
    )
    var templates: String?

    @Option(
        name: .customLong("public-url"),
        help: ArgumentHelp(
            "The application's URL as users reach it, such as https://app.example.com; links in messages start with it. (env: GATEHOUSE_PUBLIC_URL, default: this server's address)",
            valueName: "url"
        )
    )
    var publicURL: String?

    @Option(
        name: .customLong("verification-path"),
        help: ArgumentHelp(
            "The page a verification link opens, with ?token=…. (env: GATEHOUSE_VERIFICATION_PATH, default: /ui/verify)",
            valueName: "path"
        )
    )
    var verificationPath: String?

    @Option(
        name: .customLong("recovery-path"),
        help: ArgumentHelp(
            "The page a password reset link opens, with ?token=…. (env: GATEHOUSE_RECOVERY_PATH, default: /ui/reset)",
            valueName: "path"
        )
    )
    var recoveryPath: String?

    @Option(
        name: .customLong("verification-token-lifetime"),
        help: ArgumentHelp(
            "How long a verification or address-change link works. (env: GATEHOUSE_VERIFICATION_TOKEN_LIFETIME, default: 48h)",
            valueName: "duration"
        )
    )
    var verificationTokenLifetime: String?

    @Option(
        name: .customLong("recovery-token-lifetime"),
        help: ArgumentHelp("How long a password reset link works. (env: GATEHOUSE_RECOVERY_TOKEN_LIFETIME, default: 1h)", valueName: "duration")
    )
    var recoveryTokenLifetime: String?

    @Flag(
        name: .customLong("require-verified-email"),
        help: "Refuse logins (403 EmailNotVerified) until the account's e-mail address is verified. (env: GATEHOUSE_REQUIRE_VERIFIED_EMAIL=true)"
    )
    var requireVerifiedEmail = false

    @Option(
        name: .customLong("message-email-limit"),
        help: ArgumentHelp(
            "Recovery requests, and apart from them verification requests, per e-mail address. (env: GATEHOUSE_MESSAGE_EMAIL_LIMIT, default: 5/1h)",
            valueName: "count/duration"
        )
    )
    var messageEmailLimit: String?

    @Option(
        name: .customLong("message-address-limit"),
        help: ArgumentHelp(
            "Recovery requests, and apart from them verification requests, per client address. (env: GATEHOUSE_MESSAGE_ADDRESS_LIMIT, default: 20/1h)",
            valueName: "count/duration"
        )
    )
    var messageAddressLimit: String?

    @Flag(name: .customLong("no-ui"), help: "Serve no account pages under /ui/. (env: GATEHOUSE_NO_UI=true)")
    var noUI = false

    @Option(
        name: .customLong("ui-return-origin"),
        help: ArgumentHelp(
            "An origin the login page may send people back to with ?return_to=, besides this server; repeat for more. (env: GATEHOUSE_UI_RETURN_ORIGINS, comma-separated)",
            valueName: "origin"
        )
    )
    var uiReturnOrigins: [String] = []

    @Option(
        name: .customLong("ui-brand"),
        help: ArgumentHelp("The product name on the account pages. (env: GATEHOUSE_UI_BRAND, default: Gatehouse)", valueName: "name")
    )
    var uiBrand: String?

    @Option(
        name: .customLong("ui-accent"),
        help: ArgumentHelp("The accent colour of the account pages. (env: GATEHOUSE_UI_ACCENT, default: #2f5fd0)", valueName: "#rrggbb")
    )
    var uiAccent: String?

    @Option(
        name: .customLong("ui-logo-url"),
        help: ArgumentHelp("A logo for the account pages: an https:// URL or a path on this server. (env: GATEHOUSE_UI_LOGO_URL)", valueName: "url")
    )
    var uiLogoURL: String?

    @Option(
        name: .customLong("cors-origin"),
        help: ArgumentHelp(
            "A browser origin allowed to call the API, such as https://app.example.com; repeat for more. (env: GATEHOUSE_CORS_ORIGINS, comma-separated)",
            valueName: "origin"
        )
    )
    var corsOrigins: [String] = []

    @Option(
        name: .customLong("max-body-size"),
        help: ArgumentHelp(
            "The largest request body accepted, in bytes. (env: GATEHOUSE_MAX_BODY_SIZE, default: 65536)",
            valueName: "bytes"
        )
    )
    var maximumBodySize: String?

    @Option(
        help: ArgumentHelp(
            "trace, debug, info, notice, warning, error or critical. (env: GATEHOUSE_LOG_LEVEL, default: info)",
            valueName: "level"
        )
    )
    var logLevel: String?

    @Option(
        help: ArgumentHelp(
            "normal: an SQLite commit is synced at checkpoints; full: every commit is synced before it returns. (env: GATEHOUSE_SQLITE_DURABILITY, default: normal)",
            valueName: "normal|full"
        )
    )
    var sqliteDurability: String?

    @Option(help: ArgumentHelp("Time between two deletions of ended sessions. (env: GATEHOUSE_SWEEP_INTERVAL, default: 1h)", valueName: "duration"))
    var sweepInterval: String?

    @Option(
        help: ArgumentHelp("How long ended sessions are kept before deletion. (env: GATEHOUSE_SESSION_RETENTION, default: 7d)", valueName: "duration")
    )
    var sessionRetention: String?

    @Option(
        help: ArgumentHelp(
            "How long audit events (logins, revocations, password changes…) are kept, at least 1h. (env: GATEHOUSE_AUDIT_RETENTION, default: 90d)",
            valueName: "duration"
        )
    )
    var auditRetention: String?

    @Option(
        help: ArgumentHelp(
            "How recent a session's last authentication must be for a password or e-mail change or deleting the account, at least 1s. (env: GATEHOUSE_REAUTHENTICATION_WINDOW, default: 10m)",
            valueName: "duration"
        )
    )
    var reauthenticationWindow: String?

    @Option(
        help: ArgumentHelp(
            "How often keys kept in the database are re-read, to pick up `gatehouse keys rotate|retire`. (env: GATEHOUSE_KEY_REFRESH_INTERVAL, default: 30s)",
            valueName: "duration"
        )
    )
    var keyRefreshInterval: String?

    @Option(
        help: ArgumentHelp(
            "The iss of access tokens: the URL other services know this server by. (env: GATEHOUSE_ISSUER, default: the public URL)",
            valueName: "url"
        )
    )
    var issuer: String?

    @Option(
        help: ArgumentHelp(
            "How long an access token from POST /v1/token is valid, at most 1h. (env: GATEHOUSE_ACCESS_TOKEN_LIFETIME, default: 5m)",
            valueName: "duration"
        )
    )
    var accessTokenLifetime: String?

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://ADDRESS/metrics, such as 127.0.0.1:9464. (env: GATEHOUSE_METRICS_ADDRESS, default: off)",
            valueName: "host:port"
        )
    )
    var metricsAddress: String?

    @Option(
        name: .customLong("webhook-url"),
        help: ArgumentHelp(
            "An http:// or https:// endpoint every security event is posted to, signed as Standard Webhooks say; repeat for more. Needs --webhook-secret. (env: GATEHOUSE_WEBHOOK_URLS, comma-separated, default: none)",
            valueName: "url"
        )
    )
    var webhookURLs: [String] = []

    @Option(
        name: .customLong("webhook-secret"),
        help: ArgumentHelp(
            "The key webhooks are signed with, shared with the receivers: whsec_ and the base64 of 24 to 64 random bytes. (env: GATEHOUSE_WEBHOOK_SECRET)",
            valueName: "whsec_…"
        )
    )
    var webhookSecret: String?

    @Option(
        name: .customLong("webhook-retry-delay"),
        help: ArgumentHelp(
            "The wait before a failed webhook is posted again, doubled after each failure up to 1h, for 8 attempts in all. (env: GATEHOUSE_WEBHOOK_RETRY_DELAY, default: 10s)",
            valueName: "duration"
        )
    )
    var webhookRetryDelay: String?

    @Option(
        name: .customLong("oidc"),
        help: ArgumentHelp(
            "An OpenID Connect provider people may log in with, by its issuer URL (discovery at ISSUER_URL/.well-known/openid-configuration); repeat for more. apple and google need no URL. Client id and secret in GATEHOUSE_OIDC_<NAME>_CLIENT_ID and _CLIENT_SECRET; Apple's key in GATEHOUSE_OIDC_APPLE_TEAM_ID, _KEY_ID and _PRIVATE_KEY_FILE. (env: GATEHOUSE_OIDC, comma-separated, default: none)",
            valueName: "name=issuer-url"
        )
    )
    var identityProviders: [String] = []

    @Option(
        name: .customLong("external-url"),
        help: ArgumentHelp(
            "Where browsers reach this server, such as https://auth.example.com: identity providers send them back to {url}/v1/oidc/{name}/callback. (env: GATEHOUSE_EXTERNAL_URL, default: --public-url, else http://host:port)",
            valueName: "url"
        )
    )
    var externalURL: String?

    @Option(
        name: .customLong("webauthn-rp-id"),
        help: ArgumentHelp(
            "The relying party id passkeys are bound to: the site's domain, such as example.com. (env: GATEHOUSE_WEBAUTHN_RP_ID, default: the host of --external-url)",
            valueName: "domain"
        )
    )
    var webAuthnRelyingPartyID: String?

    @Option(
        name: .customLong("webauthn-origin"),
        help: ArgumentHelp(
            "An origin whose pages may register and use passkeys, such as https://app.example.com, on the relying party id or under it; repeat for more. Allowed for CORS too. (env: GATEHOUSE_WEBAUTHN_ORIGIN, comma-separated, default: the origin of --external-url)",
            valueName: "origin"
        )
    )
    var webAuthnOrigins: [String] = []

    /// The flags as typed, for ``ServerConfiguration/resolve(flags:environment:)``.
    var flags: ServerFlags {
        var flags = ServerFlags()
        flags.host = host
        flags.port = port
        flags.database = databaseOptions.database
        flags.secret = secret
        flags.keyFile = keyFile
        flags.tokenDuration = tokenDuration
        flags.renewal = renewal
        flags.gracePeriod = gracePeriod
        flags.idleTimeout = idleTimeout
        flags.absoluteLifetime = absoluteLifetime
        flags.cookies = noCookies ? false : nil
        flags.cookieName = cookieName
        flags.cookieSecure = cookieSecure
        flags.tokenTransport = tokenTransport
        flags.trustedProxies = trustedProxies
        flags.loginLimit = loginLimit
        flags.loginAddressLimit = loginAddressLimit
        flags.loginAccountLimit = loginAccountLimit
        flags.signUpLimit = signUpLimit
        flags.passkeyLogInLimit = passkeyLogInLimit
        flags.mailURL = mailURL
        flags.mailSecret = mailSecret
        flags.mailFrom = mailFrom
        flags.templates = templates
        flags.publicURL = publicURL
        flags.verificationPath = verificationPath
        flags.recoveryPath = recoveryPath
        flags.verificationTokenLifetime = verificationTokenLifetime
        flags.recoveryTokenLifetime = recoveryTokenLifetime
        flags.requireVerifiedEmail = requireVerifiedEmail ? true : nil
        flags.messageEmailLimit = messageEmailLimit
        flags.messageAddressLimit = messageAddressLimit
        flags.noUI = noUI ? true : nil
        flags.uiReturnOrigins = uiReturnOrigins
        flags.uiBrand = uiBrand
        flags.uiAccent = uiAccent
        flags.uiLogoURL = uiLogoURL
        flags.corsOrigins = corsOrigins
        flags.maximumBodySize = maximumBodySize
        flags.logLevel = logLevel
        flags.sqliteDurability = sqliteDurability
        flags.sweepInterval = sweepInterval
        flags.sessionRetention = sessionRetention
        flags.auditRetention = auditRetention
        flags.reauthenticationWindow = reauthenticationWindow
        flags.keyRefreshInterval = keyRefreshInterval
        flags.issuer = issuer
        flags.accessTokenLifetime = accessTokenLifetime
        flags.metricsAddress = metricsAddress
        flags.webhookURLs = webhookURLs
        flags.identityProviders = identityProviders
        flags.externalURL = externalURL
        flags.webAuthnRelyingPartyID = webAuthnRelyingPartyID
        flags.webAuthnOrigins = webAuthnOrigins
        flags.webhookSecret = webhookSecret
        flags.webhookRetryDelay = webhookRetryDelay
        return flags
    }

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.resolve(flags: flags, environment: ProcessInfo.processInfo.environment)
            // Read the key file now, so a missing or empty file is a usage error before anything starts.
            if case .keyFile(let path) = configuration.signingKeys {
                configuration.signingKeys = .secret(try KeyBootstrap.readKeyFile(at: path))
            }
        } catch {
            throw ValidationError(error.message)
        }
        // A mail destination or template that cannot work is found now, not at the first message.
        do {
            _ = try configuration.mailDestination.transport(secret: configuration.mailSecret?.value)
            _ = try MessageRenderer(templatesDirectory: configuration.templatesDirectory, sender: configuration.mailFrom)
            try configuration.accountPages?.validate()
        } catch {
            throw ValidationError("\(error)")
        }

        let logger = CommandLogging.logger(level: configuration.logLevel)
        // One metrics system per process, chosen by the executable: Prometheus when asked for.
        var metricsRegistry: PrometheusCollectorRegistry?
        if configuration.metricsAddress != nil {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            metricsRegistry = registry
        }
        let opened = try StoreOpener.open(configuration.database, sqliteDurability: configuration.sqliteDurability, logger: logger)
        logger.info(
            "starting",
            metadata: [
                "gatehouse.database": "\(configuration.database)", "gatehouse.keys": "\(configuration.signingKeys)",
            ]
        )
        let server = ServerService(configuration: configuration, store: opened, logger: logger, metricsRegistry: metricsRegistry) { address in
            Output.immediately("Gatehouse listening on \(address.url)")
        }
        // The store's services come first so they are shut down last, after the server has drained.
        var groupConfiguration = ServiceGroupConfiguration(
            services: opened.store.backgroundServices(logger: logger) + [server],
            logger: logger
        )
        // Services still running this long after the signal are cancelled; the watch below ends the
        // process if even that does not finish.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(8)
        try await ShutdownWatch.run(ServiceGroup(configuration: groupConfiguration), limit: .seconds(10), logger: logger)
        Output.immediately("Gatehouse stopped.")
    }
}
