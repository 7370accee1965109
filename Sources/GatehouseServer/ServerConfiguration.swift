import Gatehouse
import GatehouseHummingbird
import GatehouseMail
import GatehouseOIDC
import GatehouseSQLite
import GatehouseUI
import GatehouseWebhooks
import Logging

/// Everything `gatehouse serve` can be told, with a default for every field: a server started with
/// `ServerConfiguration()` listens on `127.0.0.1:8080`, keeps its data in `./gatehouse.sqlite` and
/// generates its own signing key there.
///
/// Build one from command-line flags and the environment with
/// ``resolve(flags:environment:)``; turn it into the core and HTTP configurations with
/// ``sessionsOptions(keyRing:logger:)`` and ``httpConfiguration``.
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to listen on. Default `127.0.0.1` (this machine only).
    public var host: String = "127.0.0.1"
    /// The TCP port; `0` lets the system choose a free one. Default `8080`.
    public var port: Int = 8080
    /// Where accounts and sessions are stored. Default `./gatehouse.sqlite`.
    public var database: DatabaseLocation = .defaultLocation
    /// Where the token signing key comes from. Default: generated and kept in the database.
    public var signingKeys: SigningKeySource = .database

    /// The `iss` of access tokens (`--issuer`): the URL other services know this server by. Default:
    /// ``publicURL``, else the server's own address.
    public var issuer: String? = nil
    /// How long an access token is valid (`--access-token-lifetime`). Default 5 minutes, at most 1 hour.
    public var accessTokenLifetime: Duration = AccessTokenOptions.defaultLifetime

    /// Lifetime of each token. Default 7 days, as in Powership.
    public var tokenDuration: Duration = SessionsOptions().tokenDuration
    /// When a presented token is replaced by a new one. Default: on every request.
    public var renewal: RenewalPolicy = SessionsOptions().renewal
    /// How long a superseded token is still accepted without renewal. Default 30 s.
    public var gracePeriod: Duration = SessionsOptions().gracePeriod
    /// A session unused for this long is over; `nil` for none. Default 7 days.
    public var idleTimeout: Duration? = SessionsOptions().idleTimeout
    /// A session is over this long after login. Default 30 days.
    public var absoluteLifetime: Duration = SessionsOptions().absoluteLifetime

    /// Whether logins set a session cookie and requests may authenticate with it. Default `true`.
    public var cookiesEnabled: Bool = GatehouseHTTPConfiguration.CookieSettings().enabled
    /// The session cookie's name. Default `__Host-gatehouse`.
    public var cookieName: String = GatehouseHTTPConfiguration.CookieSettings().name
    /// The cookie's `Secure` attribute. Default `true`, on loopback too.
    public var cookieSecure: Bool = true
    /// How a login hands over its token when the request does not choose. Default `both`.
    public var tokenTransport: TokenTransport = .both
    /// Proxies whose `X-Forwarded-For` is believed, read from the right. Default: none.
    public var trustedProxies: [IPNetwork] = []
    /// Login limits per (account, address), per address and per account. Defaults 5, 20 and 100 per 15 minutes.
    public var loginLimits: LoginThrottle.Limits = LoginThrottle.Limits()
    /// Sign-ups per address. Default 20 per hour.
    public var signUpLimit: RateLimit = AccountsOptions(sessions: SessionsOptions()).signUpLimit ?? RateLimit(count: 20, window: .seconds(3_600))
    /// Passkey logins an address may start. Default 30 per 5 minutes.
    public var passkeyLogInLimit: RateLimit =
        AccountsOptions(sessions: SessionsOptions()).passkeyLogInLimit ?? RateLimit(count: 30, window: .seconds(300))
    /// Browser origins allowed to call the API across origins. Default: none.
    public var corsOrigins: [String] = []
    /// The largest request body accepted, in bytes. Default 64 KiB.
    public var maximumBodySize: Int = GatehouseHTTPConfiguration().maximumBodySize

    /// Where messages go (`--mail-url`): an SMTP server, an HTTP endpoint or a directory. Default:
    /// `.eml` files in ``defaultMailDirectory``.
    public var mailDestination: MailDestination = .directory(path: ServerConfiguration.defaultMailDirectory)
    /// The secret that signs messages posted to an `https://` mail URL.
    public var mailSecret: RedactedSecret? = nil
    /// Who messages come from. Default `Gatehouse <no-reply@localhost>`.
    public var mailFrom: String = "Gatehouse <no-reply@localhost>"
    /// A directory whose `mail/` folder overrides the built-in message templates. Default: none.
    public var templatesDirectory: String? = nil
    /// The address of the application as browsers reach it: links in messages start with it. Default:
    /// the server's own address (`http://host:port`).
    public var publicURL: String? = nil
    /// The paths of the pages links in messages open. Default `/ui/verify` and `/ui/reset`.
    public var verificationPath: String = MessageLinks().verificationPath
    public var recoveryPath: String = MessageLinks().recoveryPath
    /// How long a verification (or address change) link works. Default 48 hours.
    public var verificationTokenLifetime: Duration = .seconds(48 * 3_600)
    /// How long a password reset link works. Default 1 hour.
    public var recoveryTokenLifetime: Duration = .seconds(3_600)
    /// Whether a login waits for the e-mail address to be verified. Default `false`.
    public var requiresVerifiedEmail: Bool = false
    /// Verification and recovery requests per e-mail address and per client address. Defaults 5 and
    /// 20 per hour.
    public var messageLimitPerEmail: RateLimit = RateLimit(count: 5, window: .seconds(3_600))
    public var messageLimitPerAddress: RateLimit = RateLimit(count: 20, window: .seconds(3_600))

    /// The account pages under `/ui/` (brand, accent, logo, return origins); `nil` with `--no-ui`, and
    /// without cookies, which they keep the session in.
    /// Their templates come from ``templatesDirectory`` too.
    public var accountPages: AccountPagesConfiguration? = AccountPagesConfiguration()

    /// Where messages are written when no mail URL is given: `./gatehouse-mail`, one `.eml` file each.
    public static let defaultMailDirectory = "gatehouse-mail"

    /// The base of the links in messages: ``publicURL``, else the server's own address.
    public var linkBaseURL: String {
        if let publicURL { return publicURL }
        // A wildcard address is no place to send a browser to.
        let reachable = ["0.0.0.0", "::", ""].contains(host) ? "localhost" : host
        return "http://\(reachable.contains(":") ? "[\(reachable)]" : reachable):\(port)"
    }

    /// The issuer access tokens carry: ``issuer``, else ``linkBaseURL``.
    public var accessTokenIssuer: String { issuer ?? linkBaseURL }

    /// Where browsers reach this server (`--external-url`): the identity providers' callbacks are under
    /// it. Default: ``linkBaseURL``.
    public var externalURL: String? = nil
    /// The OpenID Connect providers people may log in with (`--oidc`). Default: none.
    public var identityProviders: [IdentityProviderSetting] = []
    /// The keys that seal the provider tokens kept for providers with `KEEP_TOKENS`
    /// (`GATEHOUSE_OIDC_TOKEN_KEYS`, `ID:BASE64,…`, the first one sealing). Default: none.
    public var providerTokenKeys: RedactedSecret? = nil
    /// The keys that seal TOTP secrets (`GATEHOUSE_TOTP_KEYS`, `ID:BASE64,…`, the first one sealing).
    /// Default: a key file beside an SQLite database, made on the first start; none (second factors
    /// off) on PostgreSQL.
    public var totpKeys: RedactedSecret? = nil

    /// The relying party id passkeys are bound to (`--webauthn-rp-id`). Default: the host of
    /// ``browserBaseURL``.
    public var webAuthnRelyingPartyID: String? = nil
    /// The origins whose pages may run passkey ceremonies (`--webauthn-origin`). Default: the origin of
    /// ``browserBaseURL``.
    public var webAuthnOrigins: [String] = []

    /// The base of the identity providers' callback URLs: ``externalURL``, else ``linkBaseURL``.
    public var browserBaseURL: String { externalURL ?? linkBaseURL }

    /// What a power loss may undo of an SQLite database's commits (see `SQLiteStore.Durability`).
    /// Default `normal`; ignored for PostgreSQL.
    public var sqliteDurability: SQLiteStore.Durability = .normal

    /// Where Prometheus scrapes `GET /metrics` (`--metrics-address`), a listener of its own so that the
    /// metrics need not be reachable where the API is. Default `nil`: no metrics endpoint.
    public var metricsAddress: ListeningAddress? = nil

    /// The endpoints every security event is posted to (`--webhook-url`), as absolute `http://` or
    /// `https://` URLs, normalised (lower-case scheme and host, no default port, at least `/` as path)
    /// and without repeats. Default: none, and no webhooks.
    public var webhookURLs: [String] = []
    /// The key webhooks are signed with (`--webhook-secret`); set exactly when ``webhookURLs`` is not
    /// empty.
    public var webhookSecret: WebhookSecret? = nil
    /// The wait before a webhook that failed is tried again (`--webhook-retry-delay`), doubled after
    /// each failure up to 1 hour. Default 10 s.
    public var webhookRetryDelay: Duration = .seconds(10)

    /// How often webhooks are tried: 8 attempts, from ``webhookRetryDelay`` to 1 hour apart.
    public var webhookRetryPolicy: RetryPolicy {
        RetryPolicy(maximumAttempts: 8, firstDelay: webhookRetryDelay, longestDelay: .seconds(3_600))
    }

    /// The lowest level that is logged. Default `info`.
    public var logLevel: Logger.Level = .info
    /// Time between two sweeps of ended sessions. Default 1 hour.
    public var sweepInterval: Duration = .seconds(3_600)
    /// How long ended sessions are kept before the sweeper deletes them. Default 7 days.
    public var sessionRetention: Duration = .seconds(7 * 86_400)
    /// How long audit events are kept before the sweeper deletes them (`--audit-retention`). Default
    /// 90 days.
    public var auditRetention: Duration = .seconds(90 * 86_400)
    /// How recent a session's last authentication must be for a sensitive action
    /// (`--reauthentication-window`). Default 10 minutes.
    public var reauthenticationWindow: Duration = .seconds(600)
    /// How often a server re-reads the keys kept in the database, to pick up a rotation or a
    /// retirement made by `gatehouse keys` or by another server. Default 30 s.
    public var keyRefreshInterval: Duration = .seconds(30)

    /// The defaults.
    public init() {}

    /// How long a freshly rotated key is only used to verify before servers sign with it: two refresh
    /// intervals, so every server on the database knows the key before any token signed with it
    /// reaches them.
    public var keyActivationDelay: Duration { keyRefreshInterval * 2 }

    /// Whether ``host`` is a loopback address, where plain HTTP cannot be overheard.
    public var listensOnLoopback: Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
