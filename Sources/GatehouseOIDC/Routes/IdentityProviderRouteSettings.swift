/// Where the provider routes send browsers, and how long a browser login may take.
public struct IdentityProviderRouteSettings: Sendable {
    /// Where browsers reach the server (`https://auth.example.com`): the callback URL is
    /// `{externalURL}/v1/oidc/{provider}/callback`, and its origin is one `return_to` may name.
    public var externalURL: String
    /// Further origins `return_to` may send a browser back to (those of the CORS allowlist).
    public var returnOrigins: [String]
    /// How long a browser has from `/start` to the callback. Default 10 minutes.
    public var loginLifetime: Duration
    /// Where the tokens of providers that keep them (``IdentityProviderConfiguration/keepsTokens``) are
    /// sealed; `nil` when no provider keeps them.
    public var tokenVault: ProviderTokenVault?

    public init(
        externalURL: String,
        returnOrigins: [String] = [],
        loginLifetime: Duration = .seconds(600),
        tokenVault: ProviderTokenVault? = nil
    ) {
        self.externalURL = externalURL.hasSuffix("/") ? String(externalURL.dropLast()) : externalURL
        self.returnOrigins = returnOrigins
        self.loginLifetime = loginLifetime
        self.tokenVault = tokenVault
    }

    /// The redirect URI registered at the provider for `provider`.
    public func callbackURL(for provider: String) -> String {
        "\(externalURL)/v1/oidc/\(provider)/callback"
    }

    /// Whether the login cookie must be `Secure`: when browsers reach the server over HTTPS.
    var isSecure: Bool { externalURL.lowercased().hasPrefix("https://") }
}
