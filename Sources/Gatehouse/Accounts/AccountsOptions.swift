/// Configuration of ``Accounts``; every field has a default.
public struct AccountsOptions: Sendable {
    /// The session layer's configuration.
    public var sessions: SessionsOptions
    /// How passwords are hashed: scrypt with the original's parameters by default.
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

/// The fields of a new account. Only these are accepted: there is no way to set an id, permissions or
/// any other stored field from the input.
public struct CreateAccountInput: Sendable {
    public var username: String
    public var email: String
    public var password: String
    public var extraContacts: [Contact]

    public init(username: String, email: String, password: String, extraContacts: [Contact] = []) {
        self.username = username
        self.email = email
        self.password = password
        self.extraContacts = extraContacts
    }

    /// An additional way to reach the account holder.
    public struct Contact: Sendable, Equatable {
        public var kind: ContactRecord.Kind
        public var value: String

        public init(kind: ContactRecord.Kind, value: String) {
            self.kind = kind
            self.value = value
        }
    }
}

/// A single-use token just created: ``value`` is shown once (to be sent by e-mail); only its digest is
/// stored.
public struct IssuedToken: Sendable, Equatable {
    public var value: String
    public var record: OneTimeTokenRecord
}

/// What happens to an account's sessions when its password changes.
public enum SessionRevocation: Sendable, Equatable {
    /// Keep every session (the original's behaviour).
    case none
    /// End every session.
    case all
    /// End every session except this one (the one that changed the password).
    case allExcept(sessionId: String)
}
