import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseMail
import GatehouseSQLite
import GatehouseUI
import GatehouseWebhooks
import Logging

extension ServerConfiguration {
    /// The names of the environment variables, one per setting.
    public enum EnvironmentKey {
        public static let host = "GATEHOUSE_HOST"
        public static let port = "GATEHOUSE_PORT"
        public static let database = "GATEHOUSE_DATABASE"
        public static let secret = "GATEHOUSE_SECRET"
        public static let keyFile = "GATEHOUSE_KEY_FILE"
        public static let tokenDuration = "GATEHOUSE_TOKEN_DURATION"
        public static let renewal = "GATEHOUSE_RENEWAL"
        public static let gracePeriod = "GATEHOUSE_GRACE_PERIOD"
        public static let idleTimeout = "GATEHOUSE_IDLE_TIMEOUT"
        public static let absoluteLifetime = "GATEHOUSE_ABSOLUTE_LIFETIME"
        public static let cookies = "GATEHOUSE_COOKIES"
        public static let cookieName = "GATEHOUSE_COOKIE_NAME"
        public static let cookieSecure = "GATEHOUSE_COOKIE_SECURE"
        public static let trustedProxies = "GATEHOUSE_TRUSTED_PROXIES"
        public static let tokenTransport = "GATEHOUSE_TOKEN_TRANSPORT"
        public static let loginLimit = "GATEHOUSE_LOGIN_LIMIT"
        public static let loginAddressLimit = "GATEHOUSE_LOGIN_ADDRESS_LIMIT"
        public static let loginAccountLimit = "GATEHOUSE_LOGIN_ACCOUNT_LIMIT"
        public static let signUpLimit = "GATEHOUSE_SIGNUP_LIMIT"
        public static let passkeyLogInLimit = "GATEHOUSE_PASSKEY_LOGIN_LIMIT"
        public static let mailURL = "GATEHOUSE_MAIL_URL"
        public static let mailSecret = "GATEHOUSE_MAIL_SECRET"
        public static let mailFrom = "GATEHOUSE_MAIL_FROM"
        public static let templates = "GATEHOUSE_TEMPLATES"
        public static let publicURL = "GATEHOUSE_PUBLIC_URL"
        public static let verificationPath = "GATEHOUSE_VERIFICATION_PATH"
        public static let recoveryPath = "GATEHOUSE_RECOVERY_PATH"
        public static let verificationTokenLifetime = "GATEHOUSE_VERIFICATION_TOKEN_LIFETIME"
        public static let recoveryTokenLifetime = "GATEHOUSE_RECOVERY_TOKEN_LIFETIME"
        public static let requireVerifiedEmail = "GATEHOUSE_REQUIRE_VERIFIED_EMAIL"
        public static let messageEmailLimit = "GATEHOUSE_MESSAGE_EMAIL_LIMIT"
        public static let messageAddressLimit = "GATEHOUSE_MESSAGE_ADDRESS_LIMIT"
        public static let noUI = "GATEHOUSE_NO_UI"
        public static let uiReturnOrigins = "GATEHOUSE_UI_RETURN_ORIGINS"
        public static let uiBrand = "GATEHOUSE_UI_BRAND"
        public static let uiAccent = "GATEHOUSE_UI_ACCENT"
        public static let uiLogoURL = "GATEHOUSE_UI_LOGO_URL"
        public static let corsOrigins = "GATEHOUSE_CORS_ORIGINS"
        public static let maximumBodySize = "GATEHOUSE_MAX_BODY_SIZE"
        public static let logLevel = "GATEHOUSE_LOG_LEVEL"
        public static let sqliteDurability = "GATEHOUSE_SQLITE_DURABILITY"
        public static let sweepInterval = "GATEHOUSE_SWEEP_INTERVAL"
        public static let sessionRetention = "GATEHOUSE_SESSION_RETENTION"
        public static let auditRetention = "GATEHOUSE_AUDIT_RETENTION"
        public static let reauthenticationWindow = "GATEHOUSE_REAUTHENTICATION_WINDOW"
        public static let keyRefreshInterval = "GATEHOUSE_KEY_REFRESH_INTERVAL"
        public static let issuer = "GATEHOUSE_ISSUER"
        public static let accessTokenLifetime = "GATEHOUSE_ACCESS_TOKEN_LIFETIME"
        public static let metricsAddress = "GATEHOUSE_METRICS_ADDRESS"
        public static let webhookURLs = "GATEHOUSE_WEBHOOK_URLS"
        public static let identityProviders = "GATEHOUSE_OIDC"
        public static let externalURL = "GATEHOUSE_EXTERNAL_URL"
        public static let providerTokenKeys = "GATEHOUSE_OIDC_TOKEN_KEYS"
        public static let totpKeys = "GATEHOUSE_TOTP_KEYS"
        public static let webAuthnRelyingPartyID = "GATEHOUSE_WEBAUTHN_RP_ID"
        public static let webAuthnOrigins = "GATEHOUSE_WEBAUTHN_ORIGIN"
        public static let webhookSecret = "GATEHOUSE_WEBHOOK_SECRET"
        public static let webhookRetryDelay = "GATEHOUSE_WEBHOOK_RETRY_DELAY"
    }

    /// Builds a configuration from command-line flags and environment variables: a flag wins over its
    /// variable, a variable over the default. An empty variable counts as unset. Nothing is read from
    /// disk or the network, so this is safe to call anywhere.
    ///
    /// `--secret` and `--key-file` are one choice: when either flag is given, both variables are
    /// ignored; giving both flags (or, without flags, both variables) is an error.
    ///
    /// - Throws: ``ServerConfigurationError`` naming the flag or variable at fault.
    public static func resolve(flags: ServerFlags, environment: [String: String]) throws(ServerConfigurationError) -> ServerConfiguration {
        let settings = Settings(flags: flags, environment: environment)
        var configuration = ServerConfiguration()

        if let host = settings.value(flags.host, "--host", EnvironmentKey.host) {
            guard !host.text.isEmpty, !host.text.contains(where: \.isWhitespace) else {
                throw host.invalid("is not a host name or address")
            }
            configuration.host = host.text
        }
        if let port = settings.value(flags.port, "--port", EnvironmentKey.port) {
            guard let number = Int(port.text), (0...65_535).contains(number) else {
                throw port.invalid("is not a port number from 0 to 65535")
            }
            configuration.port = number
        }
        configuration.database = try resolveDatabase(flag: flags.database, environment: environment)
        configuration.signingKeys = try signingKeys(flags: flags, settings: settings)

        if let value = settings.value(flags.tokenDuration, "--token-duration", EnvironmentKey.tokenDuration) {
            configuration.tokenDuration = try value.duration(positive: true)
        }
        if let value = settings.value(flags.renewal, "--renewal", EnvironmentKey.renewal) {
            configuration.renewal =
                value.text.lowercased() == "every-request"
                ? .everyRequest
                : .olderThan(try value.duration(positive: true, alternatives: "every-request or "))
        }
        if let value = settings.value(flags.gracePeriod, "--grace-period", EnvironmentKey.gracePeriod) {
            configuration.gracePeriod = try value.duration(positive: false)
        }
        if let value = settings.value(flags.idleTimeout, "--idle-timeout", EnvironmentKey.idleTimeout) {
            configuration.idleTimeout =
                ["none", "off"].contains(value.text.lowercased())
                ? nil
                : try value.duration(positive: true, alternatives: "none or ")
        }
        if let value = settings.value(flags.absoluteLifetime, "--absolute-lifetime", EnvironmentKey.absoluteLifetime) {
            configuration.absoluteLifetime = try value.duration(positive: true)
        }

        if let cookies = flags.cookies {
            configuration.cookiesEnabled = cookies
        } else if let value = settings.environmentValue(EnvironmentKey.cookies) {
            configuration.cookiesEnabled = try value.boolean()
        }
        if let value = settings.value(flags.cookieName, "--cookie-name", EnvironmentKey.cookieName) {
            guard isCookieName(value.text) else {
                throw value.invalid("is not a cookie name (1 to 64 letters, digits and !#$%&'*+-.^_`|~)")
            }
            configuration.cookieName = value.text
        }
        if let value = settings.value(flags.cookieSecure, "--cookie-secure", EnvironmentKey.cookieSecure) {
            configuration.cookieSecure = try value.boolean()
        }
        if configuration.cookieName.hasPrefix("__Host-") || configuration.cookieName.hasPrefix("__Secure-"), !configuration.cookieSecure {
            throw ServerConfigurationError(
                "the cookie name \(configuration.cookieName) needs the Secure attribute (browsers refuse a __Host- or __Secure- cookie without it): give --cookie-name another name to use --cookie-secure false"
            )
        }
        if let value = settings.value(flags.tokenTransport, "--token-transport", EnvironmentKey.tokenTransport) {
            guard let transport = TokenTransport(rawValue: value.text.lowercased()) else { throw value.invalid("is not cookie, bearer or both") }
            if transport != .bearer, !configuration.cookiesEnabled {
                throw ServerConfigurationError("--token-transport \(transport.rawValue) needs cookies, which are turned off")
            }
            configuration.tokenTransport = transport
        }
        // The switch this replaced trusted any peer's header; ignoring it silently would record every
        // client behind a proxy as the proxy and put them all under one address's limits.
        if settings.environmentValue("GATEHOUSE_TRUST_FORWARDED_FOR") != nil {
            throw ServerConfigurationError(
                "GATEHOUSE_TRUST_FORWARDED_FOR is no longer read: name the proxies whose X-Forwarded-For is believed in GATEHOUSE_TRUSTED_PROXIES (or --trusted-proxy)"
            )
        }
        configuration.trustedProxies = try settings.list(flags.trustedProxies, "--trusted-proxy", EnvironmentKey.trustedProxies).map {
            proxy throws(ServerConfigurationError) in
            guard let network = IPNetwork(proxy.text) else {
                throw proxy.invalid("is not an IP address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32")
            }
            return network
        }
        if let value = settings.value(flags.loginLimit, "--login-limit", EnvironmentKey.loginLimit) {
            configuration.loginLimits.perPair = try value.rateLimit()
        }
        if let value = settings.value(flags.loginAddressLimit, "--login-address-limit", EnvironmentKey.loginAddressLimit) {
            configuration.loginLimits.perAddress = try value.rateLimit()
        }
        if let value = settings.value(flags.loginAccountLimit, "--login-account-limit", EnvironmentKey.loginAccountLimit) {
            configuration.loginLimits.perAccount = try value.rateLimit()
        }
        if let value = settings.value(flags.signUpLimit, "--signup-limit", EnvironmentKey.signUpLimit) {
            configuration.signUpLimit = try value.rateLimit()
        }
        if let value = settings.value(flags.passkeyLogInLimit, "--passkey-login-limit", EnvironmentKey.passkeyLogInLimit) {
            configuration.passkeyLogInLimit = try value.rateLimit()
        }
        try resolveMail(flags: flags, settings: settings, into: &configuration)
        try resolveAccountPages(flags: flags, settings: settings, into: &configuration)
        let origins = settings.list(flags.corsOrigins, "--cors-origin", EnvironmentKey.corsOrigins)
        configuration.corsOrigins = try origins.map { origin throws(ServerConfigurationError) in
            guard isOrigin(origin.text) else {
                throw origin.invalid("is not an origin such as https://app.example.com (scheme, host and optional port, no path)")
            }
            return origin.text
        }
        if let value = settings.value(flags.maximumBodySize, "--max-body-size", EnvironmentKey.maximumBodySize) {
            guard let bytes = Int(value.text), (1_024...(64 * 1_048_576)).contains(bytes) else {
                throw value.invalid("is not a size in bytes from 1024 to 67108864")
            }
            configuration.maximumBodySize = bytes
        }

        if let value = settings.value(flags.sqliteDurability, "--sqlite-durability", EnvironmentKey.sqliteDurability) {
            guard let durability = SQLiteStore.Durability(rawValue: value.text.lowercased()) else {
                throw value.invalid("is not normal or full")
            }
            configuration.sqliteDurability = durability
        }
        if let value = settings.value(flags.logLevel, "--log-level", EnvironmentKey.logLevel) {
            guard let level = Logger.Level(rawValue: value.text.lowercased()) else {
                throw value.invalid("is not a log level (trace, debug, info, notice, warning, error, critical)")
            }
            configuration.logLevel = level
        }
        if let value = settings.value(flags.sweepInterval, "--sweep-interval", EnvironmentKey.sweepInterval) {
            configuration.sweepInterval = try value.duration(atLeast: .seconds(1))
        }
        if let value = settings.value(flags.sessionRetention, "--session-retention", EnvironmentKey.sessionRetention) {
            configuration.sessionRetention = try value.duration(positive: false)
        }
        if let value = settings.value(flags.auditRetention, "--audit-retention", EnvironmentKey.auditRetention) {
            configuration.auditRetention = try value.duration(atLeast: .seconds(3_600))
        }
        if let keys = settings.environmentValue(EnvironmentKey.totpKeys) {
            configuration.totpKeys = try keys.sealingKeys()
        }
        if let value = settings.value(flags.reauthenticationWindow, "--reauthentication-window", EnvironmentKey.reauthenticationWindow) {
            configuration.reauthenticationWindow = try value.duration(atLeast: .seconds(1))
        }
        if let value = settings.value(flags.keyRefreshInterval, "--key-refresh-interval", EnvironmentKey.keyRefreshInterval) {
            configuration.keyRefreshInterval = try value.duration(atLeast: .seconds(1))
        }
        if let value = settings.value(flags.issuer, "--issuer", EnvironmentKey.issuer) {
            guard let parsed = URL(string: value.text), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false,
                parsed.query == nil, parsed.fragment == nil, parsed.user == nil, value.text.utf8.count <= 1024
            else {
                throw value.invalid("is not a URL such as https://auth.example.com")
            }
            configuration.issuer = value.text
        }
        if let value = settings.value(flags.accessTokenLifetime, "--access-token-lifetime", EnvironmentKey.accessTokenLifetime) {
            let lifetime = try value.duration(atLeast: .seconds(1))
            guard lifetime <= AccessTokenOptions.maximumLifetime else { throw value.invalid("must be at most 1h") }
            configuration.accessTokenLifetime = lifetime
        }
        if let value = settings.value(flags.metricsAddress, "--metrics-address", EnvironmentKey.metricsAddress) {
            guard let address = ListeningAddress(parsing: value.text) else {
                throw value.invalid("is not an address and port such as 127.0.0.1:9464 or [::1]:9464")
            }
            configuration.metricsAddress = address
        }
        try resolveWebhooks(flags: flags, settings: settings, into: &configuration)
        try resolveIdentityProviders(flags: flags, settings: settings, into: &configuration)
        try resolvePasskeys(flags: flags, settings: settings, into: &configuration)
        return configuration
    }

    /// The database named by `--database`, else `GATEHOUSE_DATABASE`, else the default file: the
    /// part of ``resolve(flags:environment:)`` the admin commands share with `serve`.
    public static func resolveDatabase(flag: String?, environment: [String: String]) throws(ServerConfigurationError) -> DatabaseLocation {
        let settings = Settings(flags: ServerFlags(), environment: environment)
        guard let value = settings.value(flag, "--database", EnvironmentKey.database) else { return .defaultLocation }
        do {
            return try DatabaseLocation.parse(value.text)
        } catch {
            throw ServerConfigurationError("invalid \(value.source): \(error.message)")
        }
    }

    private static func signingKeys(flags: ServerFlags, settings: Settings) throws(ServerConfigurationError) -> SigningKeySource {
        let (secret, keyFile): (String?, String?)
        let origin: String
        if flags.secret != nil || flags.keyFile != nil {
            (secret, keyFile, origin) = (flags.secret, flags.keyFile, "--secret and --key-file")
        } else {
            secret = settings.environmentValue(EnvironmentKey.secret)?.text
            keyFile = settings.environmentValue(EnvironmentKey.keyFile)?.text
            origin = "\(EnvironmentKey.secret) and \(EnvironmentKey.keyFile)"
        }
        switch (secret, keyFile) {
        case (nil, nil):
            return .database
        case (.some, .some):
            throw ServerConfigurationError("\(origin) cannot be used together: give the secret one way")
        case (let secret?, nil):
            // The secret itself is never repeated in a message.
            guard secret.utf8.count >= minimumSecretBytes else {
                throw ServerConfigurationError(
                    "the secret is \(secret.utf8.count) bytes long; an HS256 key needs at least \(minimumSecretBytes) bytes (256 bits)"
                )
            }
            return .secret(secret)
        case (nil, let path?):
            guard !path.isEmpty else { throw ServerConfigurationError("the key file path must not be empty") }
            return .keyFile(path: path)
        }
    }

    /// The settings of messages: where they go, what they say, where their links point.
    private static func resolveMail(
        flags: ServerFlags,
        settings: Settings,
        into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        if let value = settings.value(flags.mailURL, "--mail-url", EnvironmentKey.mailURL) {
            do {
                configuration.mailDestination = try MailDestination(url: value.text)
            } catch {
                // The URL may hold a password: it is not repeated.
                throw ServerConfigurationError("invalid \(value.source): \(error.description)")
            }
        }
        if let value = settings.value(flags.mailSecret, "--mail-secret", EnvironmentKey.mailSecret) {
            guard value.text.utf8.count >= 16 else { throw ServerConfigurationError("invalid \(value.source): the secret must be at least 16 bytes") }
            configuration.mailSecret = RedactedSecret(value.text)
        }
        if case .http = configuration.mailDestination, configuration.mailSecret == nil {
            throw ServerConfigurationError("an https:// mail URL needs --mail-secret (GATEHOUSE_MAIL_SECRET) to sign its requests")
        }
        if let value = settings.value(flags.mailFrom, "--mail-from", EnvironmentKey.mailFrom) {
            guard !value.text.contains(where: { $0.isNewline }), value.text.contains("@"), value.text.utf8.count <= 200 else {
                throw value.invalid("is not an address such as \"Example <no-reply@example.com>\"")
            }
            configuration.mailFrom = value.text
        }
        if let value = settings.value(flags.templates, "--templates", EnvironmentKey.templates) {
            configuration.templatesDirectory = value.text
        }
        if let value = settings.value(flags.publicURL, "--public-url", EnvironmentKey.publicURL) {
            guard let parsed = URL(string: value.text), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false,
                parsed.query == nil, parsed.fragment == nil, parsed.user == nil
            else {
                throw value.invalid("is not a URL such as https://app.example.com")
            }
            var url = value.text
            while url.hasSuffix("/") { url.removeLast() }
            configuration.publicURL = url
        }
        if let value = settings.value(flags.verificationPath, "--verification-path", EnvironmentKey.verificationPath) {
            guard value.text.hasPrefix("/"), !value.text.contains(where: { $0.isWhitespace }) else {
                throw value.invalid("is not a path starting with /")
            }
            configuration.verificationPath = value.text
        }
        if let value = settings.value(flags.recoveryPath, "--recovery-path", EnvironmentKey.recoveryPath) {
            guard value.text.hasPrefix("/"), !value.text.contains(where: { $0.isWhitespace }) else {
                throw value.invalid("is not a path starting with /")
            }
            configuration.recoveryPath = value.text
        }
        if let value = settings.value(flags.verificationTokenLifetime, "--verification-token-lifetime", EnvironmentKey.verificationTokenLifetime) {
            configuration.verificationTokenLifetime = try value.duration(atLeast: .seconds(60))
        }
        if let value = settings.value(flags.recoveryTokenLifetime, "--recovery-token-lifetime", EnvironmentKey.recoveryTokenLifetime) {
            configuration.recoveryTokenLifetime = try value.duration(atLeast: .seconds(60))
        }
        if let required = flags.requireVerifiedEmail {
            configuration.requiresVerifiedEmail = required
        } else if let value = settings.environmentValue(EnvironmentKey.requireVerifiedEmail) {
            configuration.requiresVerifiedEmail = try value.boolean()
        }
        if let value = settings.value(flags.messageEmailLimit, "--message-email-limit", EnvironmentKey.messageEmailLimit) {
            configuration.messageLimitPerEmail = try value.rateLimit()
        }
        if let value = settings.value(flags.messageAddressLimit, "--message-address-limit", EnvironmentKey.messageAddressLimit) {
            configuration.messageLimitPerAddress = try value.rateLimit()
        }
    }

    /// The webhooks: the endpoints security events are posted to, the key that signs them, and how
    /// soon a failed one is tried again. Endpoints and key come together or not at all.
    private static func resolveWebhooks(
        flags: ServerFlags,
        settings: Settings,
        into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        let urls = settings.list(flags.webhookURLs, "--webhook-url", EnvironmentKey.webhookURLs)
        var endpoints: [String] = []
        for url in urls {
            guard let endpoint = webhookEndpoint(url.text) else {
                throw url.invalid("is not an absolute http:// or https:// URL such as https://hooks.example.com/gatehouse")
            }
            // One message per endpoint and event: a URL given twice would be posted to twice.
            if !endpoints.contains(endpoint) { endpoints.append(endpoint) }
        }
        var secret: WebhookSecret?
        let secretValue = settings.value(flags.webhookSecret, "--webhook-secret", EnvironmentKey.webhookSecret)
        if let secretValue {
            do {
                secret = try WebhookSecret(secretValue.text)
            } catch {
                // The error says what is wrong without repeating the secret.
                throw ServerConfigurationError("invalid \(secretValue.source): \(error.description)")
            }
        }
        if let firstURL = urls.first, secret == nil {
            throw ServerConfigurationError(
                "\(firstURL.source) needs --webhook-secret (\(EnvironmentKey.webhookSecret)) to sign the webhooks: a whsec_ secret shared with the receivers"
            )
        }
        if let secretValue, endpoints.isEmpty {
            throw ServerConfigurationError(
                "\(secretValue.source) is set but no webhook endpoint is: give --webhook-url (\(EnvironmentKey.webhookURLs)) or leave the secret out"
            )
        }
        configuration.webhookURLs = endpoints
        configuration.webhookSecret = secret
        if let value = settings.value(flags.webhookRetryDelay, "--webhook-retry-delay", EnvironmentKey.webhookRetryDelay) {
            let delay = try value.duration(atLeast: .seconds(1))
            guard delay <= .seconds(3_600) else { throw value.invalid("must be at most 1h") }
            configuration.webhookRetryDelay = delay
        }
    }

    /// `text` as a webhook endpoint — an absolute `http://` or `https://` URL with a host, no user
    /// name, password or fragment — normalised: lower-case scheme and host, no default port, at least
    /// `/` as path. `nil` when it is not one.
    static func webhookEndpoint(_ text: String) -> String? {
        guard text.utf8.count <= 2_048, !text.contains(where: \.isWhitespace), var components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.percentEncodedHost, !host.isEmpty,
            components.user == nil, components.password == nil, components.fragment == nil
        else { return nil }
        if let port = components.port {
            guard (1...65_535).contains(port) else { return nil }
            if port == (scheme == "https" ? 443 : 80) { components.port = nil }
        }
        components.scheme = scheme
        components.percentEncodedHost = host.lowercased()
        if components.percentEncodedPath.isEmpty { components.percentEncodedPath = "/" }
        return components.string
    }

    /// The account pages: on unless `--no-ui` or `--no-cookies`; their look and where a login may
    /// return to.
    private static func resolveAccountPages(
        flags: ServerFlags,
        settings: Settings,
        into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        var off = false
        if let flag = flags.noUI {
            off = flag
        } else if let value = settings.environmentValue(EnvironmentKey.noUI) {
            off = try value.boolean()
        }
        guard !off else {
            configuration.accountPages = nil
            return
        }
        var pages = AccountPagesConfiguration()
        pages.templatesDirectory = configuration.templatesDirectory
        if let value = settings.value(flags.uiBrand, "--ui-brand", EnvironmentKey.uiBrand) {
            guard (1...64).contains(value.text.count), !value.text.contains(where: { $0.isNewline }) else {
                throw value.invalid("is not a name of 1 to 64 characters")
            }
            pages.brand = value.text
        }
        if let value = settings.value(flags.uiAccent, "--ui-accent", EnvironmentKey.uiAccent) {
            pages.accentColor = value.text
            guard (try? pages.validate()) != nil else { throw value.invalid("is not a colour such as #2f5fd0") }
        }
        if let value = settings.value(flags.uiLogoURL, "--ui-logo-url", EnvironmentKey.uiLogoURL) {
            pages.logoURL = value.text
            guard (try? pages.validate()) != nil else { throw value.invalid("is not an https:// URL or a path on this server") }
        }
        let origins = settings.list(flags.uiReturnOrigins, "--ui-return-origin", EnvironmentKey.uiReturnOrigins)
        pages.returnOrigins = try origins.map { origin throws(ServerConfigurationError) in
            guard isOrigin(origin.text) else {
                throw origin.invalid("is not an origin such as https://app.example.com (scheme, host and optional port, no path)")
            }
            return origin.text
        }
        // The pages keep the session in the cookie: a server without cookies serves the API alone.
        configuration.accountPages = configuration.cookiesEnabled ? pages : nil
    }

    /// HS256 keys need 256 bits: a shorter secret is refused rather than padded.
    public static let minimumSecretBytes = 32

    private static func isCookieName(_ text: String) -> Bool {
        let allowed = Set("!#$%&'*+-.^_`|~".utf8)
        return (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || allowed.contains(byte)
            }
    }

    private static func isOrigin(_ text: String) -> Bool {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if lowered.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return false
        }
        return !rest.isEmpty && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-.:[]".contains($0)) }
    }

    /// One raw setting and where it came from, for messages.
    struct Value {
        var text: String
        var source: String

        func invalid(_ reason: String) -> ServerConfigurationError {
            ServerConfigurationError("invalid \(source): '\(shown.prefix(80))' \(reason)")
        }

        /// The value as an error may quote it: a URL's user name and password are left out.
        private var shown: String {
            var shown = text
            if let scheme = shown.range(of: "://") {
                let authorityEnd = shown[scheme.upperBound...].firstIndex { "/?#".contains($0) } ?? shown.endIndex
                if let at = shown[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
                    shown.replaceSubrange(scheme.upperBound..<at, with: "…")
                }
            }
            return shown
        }

        func duration(positive: Bool, alternatives: String = "") throws(ServerConfigurationError) -> Duration {
            let duration: Duration
            do {
                // A bare number would be milliseconds: configuration must say its unit.
                duration = try DurationParser.parse(text, requiringUnit: true)
            } catch {
                throw invalid("is not \(alternatives)a duration with a unit such as 30s, 15m, 12h or 7d")
            }
            if positive ? duration <= .zero : duration < .zero {
                throw invalid(positive ? "must be longer than zero" : "must not be negative")
            }
            return duration
        }

        func duration(atLeast minimum: Duration) throws(ServerConfigurationError) -> Duration {
            let duration = try duration(positive: true)
            guard duration >= minimum else { throw invalid("must be at least \(minimum)") }
            return duration
        }

        /// The value as a list of sealing keys (`ID:BASE64,…`), checked and kept redacted. The error names
        /// what is wrong, never a key.
        func sealingKeys() throws(ServerConfigurationError) -> RedactedSecret {
            guard (try? SealingKey.parseList(text)) != nil else {
                throw ServerConfigurationError(
                    "invalid \(source): not a list of ID:BASE64 keys of 32 bytes each, such as k1:\(String(repeating: "A", count: 43))"
                )
            }
            return RedactedSecret(text)
        }

        func rateLimit() throws(ServerConfigurationError) -> RateLimit {
            do {
                return try RateLimit(parsing: text)
            } catch {
                throw invalid("is not a limit such as 20/1h (a count, a slash, a duration with a unit)")
            }
        }

        func boolean(alternatives: String = "") throws(ServerConfigurationError) -> Bool {
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw invalid("is not \(alternatives)true or false")
            }
        }
    }

    /// Looks a setting up in the flags, then the environment.
    struct Settings {
        var flags: ServerFlags
        var environment: [String: String]

        func value(_ flag: String?, _ flagName: String, _ variable: String) -> Value? {
            if let flag { return Value(text: flag, source: flagName) }
            return environmentValue(variable)
        }

        /// A repeatable flag's values, else its comma-separated variable's.
        func list(_ flagValues: [String], _ flagName: String, _ variable: String) -> [Value] {
            if !flagValues.isEmpty { return flagValues.map { Value(text: $0, source: flagName) } }
            return (environmentValue(variable)?.text ?? "")
                .split(separator: ",").map { Value(text: $0.trimmingSpaces, source: variable) }
                .filter { !$0.text.isEmpty }
        }

        func environmentValue(_ variable: String) -> Value? {
            guard let text = environment[variable], !text.isEmpty else { return nil }
            return Value(text: text, source: variable)
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
