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
    /// How long an e-mail verification token can be used. Default 2 days.
    public var emailVerificationTokenLifetime: Duration = .seconds(2 * 86_400)
    /// How long a password reset token can be used. Default 1 hour.
    public var passwordResetTokenLifetime: Duration = .seconds(3_600)

    public init(sessions: SessionsOptions) {
        self.sessions = sessions
    }
}
