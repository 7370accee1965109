/// Configuration of ``Accounts``; every field has a default.
public struct AccountsOptions: Sendable {
    /// The session layer's configuration.
    public var sessions: SessionsOptions
    /// How passwords are hashed: scrypt with Powership's parameters by default.
    public var passwordHasher: any PasswordHasher = ScryptPasswordHasher()
    /// Failed-login limits; `nil` turns throttling off.
    public var loginThrottle: LoginThrottle.Limits? = LoginThrottle.Limits()
    /// How long an e-mail verification token can be used. Default 2 days.
    public var emailVerificationTokenLifetime: Duration = .seconds(2 * 86_400)
    /// How long a password reset token can be used. Default 1 hour.
    public var passwordResetTokenLifetime: Duration = .seconds(3_600)

    public init(sessions: SessionsOptions) {
        self.sessions = sessions
    }
}
