import Gatehouse
import GatehouseHummingbird
import Logging

extension ServerConfiguration {
    /// The session layer's configuration for a server signing with `keyRing`.
    public func sessionsOptions(keyRing: KeyRing, logger: Logger) -> SessionsOptions {
        var options = SessionsOptions(keyRing: keyRing)
        options.tokenDuration = tokenDuration
        options.renewal = renewal
        options.gracePeriod = gracePeriod
        options.idleTimeout = idleTimeout
        options.absoluteLifetime = absoluteLifetime
        options.logger = logger
        // Both values were checked when the configuration was resolved.
        options.accessTokens = try? AccessTokenOptions(issuer: accessTokenIssuer, lifetime: accessTokenLifetime)
        options.auditLog = auditLog
        return options
    }

    /// The accounts layer's configuration; the password hasher is a parameter so tests can use cheap
    /// parameters while the server uses Powership's (scrypt N = 2^15, r = 8, p = 1).
    public func accountsOptions(keyRing: KeyRing, logger: Logger, passwordHasher: any PasswordHasher = ScryptPasswordHasher()) -> AccountsOptions {
        var options = AccountsOptions(sessions: sessionsOptions(keyRing: keyRing, logger: logger))
        options.passwordHasher = passwordHasher
        options.loginThrottle = loginLimits
        options.signUpLimit = signUpLimit
        options.passkeyLogInLimit = passkeyLogInLimit
        options.links = MessageLinks(baseURL: linkBaseURL, verificationPath: verificationPath, recoveryPath: recoveryPath)
        options.messageSender = mailFrom
        options.emailVerificationTokenLifetime = verificationTokenLifetime
        options.passwordResetTokenLifetime = recoveryTokenLifetime
        options.requiresVerifiedEmail = requiresVerifiedEmail
        options.sendsVerificationOnSignUp = true
        options.reauthenticationWindow = reauthenticationWindow
        options.relyingParty = relyingParty
        options.messageLimitPerEmail = messageLimitPerEmail
        options.messageLimitPerAddress = messageLimitPerAddress
        return options
    }

    /// How security events are recorded: announced to the ``webhookURLs``; a client's request is the
    /// user's doing unless it says otherwise.
    public var auditLog: AuditLog {
        AuditLog(webhookEndpoints: webhookURLs)
    }

    /// The HTTP layer's configuration.
    public var httpConfiguration: GatehouseHTTPConfiguration {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cookie.enabled = cookiesEnabled
        configuration.cookie.name = cookieName
        configuration.cookie.secure = cookieSecure
        configuration.tokenTransport = tokenTransport
        configuration.trustedProxies = trustedProxies
        let crossOrigins = allowedCrossOrigins
        configuration.cors = crossOrigins.isEmpty ? nil : GatehouseHTTPConfiguration.CORSSettings(allowedOrigins: crossOrigins)
        configuration.maximumBodySize = maximumBodySize
        return configuration
    }
}
