/// What an identity provider vouched for in a verified ID token: who the person is there, and what
/// it says about them.
///
/// Made by the code that verified the token (the `GatehouseOIDC` library, or an application's own);
/// ``Accounts`` trusts it as given.
public struct ProviderIdentity: Sendable, Equatable {
    /// The configured name of the provider (`google`, `apple`).
    public var provider: String
    /// The token's `iss`.
    public var issuer: String
    /// The token's `sub`: with ``issuer``, the identity.
    public var subject: String
    /// The token's `email`, if any.
    public var email: String?
    /// Whether the provider says it checked ``email`` (`email_verified`).
    public var emailVerified: Bool
    /// A name to derive a username from, when the provider gives one (`preferred_username` first).
    public var preferredUsername: String?
    public var name: String?

    public init(
        provider: String,
        issuer: String,
        subject: String,
        email: String? = nil,
        emailVerified: Bool = false,
        preferredUsername: String? = nil,
        name: String? = nil
    ) {
        self.provider = provider
        self.issuer = issuer
        self.subject = subject
        self.email = email
        self.emailVerified = emailVerified
        self.preferredUsername = preferredUsername
        self.name = name
    }

    /// The e-mail address, canonical, when the provider vouches for it and it is one Gatehouse accepts.
    var verifiedEmail: String? {
        guard emailVerified, let email else { return nil }
        return try? AccountValidation.canonicalEmail(email)
    }
}
