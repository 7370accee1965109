/// Configuration of ``Accounts``; every field has a default.
public struct AccountsOptions: Sendable {
    /// The session layer's configuration.
    public var sessions: SessionsOptions
    /// How passwords are hashed: scrypt with Powership's parameters by default.
    public var passwordHasher: any PasswordHasher = ScryptPasswordHasher()
    /// Login limits, counted in the store; `nil` turns login throttling off.
    public var loginThrottle: LoginThrottle.Limits? = LoginThrottle.Limits()
    /// Sign-ups per client address (``Accounts/signUp(_:client:logger:)``); `nil` for none. Default 20 per hour.
    public var signUpLimit: RateLimit? = RateLimit(count: 20, window: .seconds(3_600))
    /// Whether ``Accounts/setPassword(accountID:newPassword:revoking:)`` keeps the account's sessions when
    /// it is not told otherwise. Default `false`: a new password ends every session.
    public var keepsSessionsOnPasswordChange = false
    /// How long an e-mail verification (or e-mail change) token can be used. Default 48 hours.
    public var emailVerificationTokenLifetime: Duration = .seconds(2 * 86_400)
    /// How long a password reset token can be used. Default 1 hour.
    public var passwordResetTokenLifetime: Duration = .seconds(3_600)
    /// The rules a new password must follow: at least 8 characters, not a common password.
    public var passwordPolicy = PasswordPolicy()
    /// Whether ``Accounts/signUp(_:client:logger:)`` sends the new account a verification message at once.
    /// Default `false` (a library may verify addresses its own way); `gatehouse serve` turns it on.
    public var sendsVerificationOnSignUp = false
    /// Whether a login is refused with ``AccountError/Code/emailNotVerified`` until the account's e-mail
    /// address is verified. Default `false`.
    public var requiresVerifiedEmail = false
    /// Where the links in messages point: the application's pages for confirming an address and for
    /// setting a new password.
    public var links = MessageLinks()
    /// Who messages come from, for the courier that sends them (`Name <address>`).
    public var messageSender = "Gatehouse <no-reply@localhost>"
    /// Requests per e-mail address (a victim's inbox is not flooded), counted apart for recovery and
    /// for verification (an address change counts as a verification of the new address). Default 5
    /// per hour each.
    public var messageLimitPerEmail: RateLimit? = RateLimit(count: 5, window: .seconds(3_600))
    /// Requests per client address, counted apart for recovery and for verification. Default 20 per
    /// hour each.
    public var messageLimitPerAddress: RateLimit? = RateLimit(count: 20, window: .seconds(3_600))
    /// How recent a session's last authentication must be for a sensitive action — a password or
    /// e-mail change, deleting the account — before ``AccountError/Code/reauthenticationRequired``.
    /// Default 10 minutes.
    public var reauthenticationWindow: Duration = .seconds(600)
    /// The keys that seal TOTP secrets at rest, the first one sealing (see ``SealingKey``); none turns
    /// TOTP enrolment off (``AccountError/Detail/totpUnavailable``). Default none.
    public var totpKeys: [SealingKey] = []
    /// The issuer authenticator apps show next to the account name. Default `Gatehouse`.
    public var totpIssuer = "Gatehouse"
    /// How long a login may wait for its second factor. Default 5 minutes.
    public var secondFactorChallengeLifetime: Duration = .seconds(300)
    /// The relying party passkeys are made for; none turns passkeys off
    /// (``AccountError/Detail/passkeysUnavailable``). Default none.
    public var relyingParty: RelyingParty?
    /// How long a passkey ceremony may take, from its options to the authenticator's answer. Default 5
    /// minutes.
    public var passkeyChallengeLifetime: Duration = .seconds(300)
    /// How many passkey logins an address may start (``Accounts/beginPasskeyLogIn(username:client:logger:)``):
    /// each stores a challenge until it expires, and asking needs no account. `nil` for no limit.
    /// Default 30 per 5 minutes.
    public var passkeyLogInLimit: RateLimit? = RateLimit(count: 30, window: .seconds(300))

    public init(sessions: SessionsOptions) {
        self.sessions = sessions
    }
}
