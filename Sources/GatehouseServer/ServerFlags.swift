/// The values given on the command line, as typed: `nil` for a flag that was not given.
///
/// Kept as text so that a flag and its environment variable are parsed and reported the same way by
/// ``ServerConfiguration/resolve(flags:environment:)``.
public struct ServerFlags: Sendable, Equatable {
    public var host: String?
    public var port: String?
    public var database: String?
    public var secret: String?
    public var keyFile: String?
    public var tokenDuration: String?
    public var renewal: String?
    public var gracePeriod: String?
    public var idleTimeout: String?
    public var absoluteLifetime: String?
    /// `false` for `--no-cookies`; `nil` when not given.
    public var cookies: Bool?
    public var cookieName: String?
    public var cookieSecure: String?
    /// Repeated `--trusted-proxy` values; empty when not given.
    public var trustedProxies: [String] = []
    public var tokenTransport: String?
    public var loginLimit: String?
    public var loginAddressLimit: String?
    public var loginAccountLimit: String?
    public var signUpLimit: String?
    public var passkeyLogInLimit: String?
    public var mailURL: String?
    public var mailSecret: String?
    public var mailFrom: String?
    public var templates: String?
    public var publicURL: String?
    public var verificationPath: String?
    public var recoveryPath: String?
    public var verificationTokenLifetime: String?
    public var recoveryTokenLifetime: String?
    /// `true` for `--require-verified-email`; `nil` when not given.
    public var requireVerifiedEmail: Bool?
    public var messageEmailLimit: String?
    public var messageAddressLimit: String?
    /// `true` for `--no-ui`; `nil` when not given.
    public var noUI: Bool?
    /// Repeated `--ui-return-origin` values; empty when not given.
    public var uiReturnOrigins: [String] = []
    public var uiBrand: String?
    public var uiAccent: String?
    public var uiLogoURL: String?
    /// Repeated `--cors-origin` values; empty when not given.
    public var corsOrigins: [String] = []
    public var maximumBodySize: String?
    public var logLevel: String?
    public var sqliteDurability: String?
    public var sweepInterval: String?
    public var sessionRetention: String?
    public var auditRetention: String?
    public var reauthenticationWindow: String?
    public var keyRefreshInterval: String?
    public var issuer: String?
    public var accessTokenLifetime: String?
    public var metricsAddress: String?
    /// Repeated `--oidc NAME=ISSUER_URL` values; empty when not given.
    public var identityProviders: [String] = []
    /// `--external-url`.
    public var externalURL: String?
    /// `--webauthn-rp-id`.
    public var webAuthnRelyingPartyID: String?
    /// Repeated `--webauthn-origin` values; empty when not given.
    public var webAuthnOrigins: [String] = []
    /// Repeated `--webhook-url` values; empty when not given.
    public var webhookURLs: [String] = []
    /// `--webhook-secret`, the `whsec_` form.
    public var webhookSecret: String?
    /// `--webhook-retry-delay`, a duration.
    public var webhookRetryDelay: String?

    /// No flags.
    public init() {}
}
