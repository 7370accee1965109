import Gatehouse

/// One OpenID Connect provider people may log in with: where it is, who Gatehouse is to it, and what
/// it asks for.
public struct IdentityProviderConfiguration: Sendable {
    /// Behaviour some providers need beyond plain OpenID Connect.
    public enum Preset: String, Sendable, Equatable {
        /// Any issuer, by discovery.
        case generic
        /// Sign in with Apple: an ES256-signed client secret, `form_post` answers, the name only on the
        /// first login.
        case apple
        /// Google.
        case google
    }

    /// The name in routes and settings (`/v1/oidc/{name}/start`): 1 to 32 of `a-z`, `0-9`, `_`, `-`.
    public var name: String
    /// The issuer identifier its ID tokens carry as `iss`.
    public var issuer: String
    /// Where its metadata is: `{issuer}/.well-known/openid-configuration` unless given.
    public var discoveryURL: String
    public var preset: Preset
    /// The client id it registered Gatehouse under; also the audience its ID tokens must name.
    public var clientID: String
    /// How Gatehouse proves it is that client at the token endpoint.
    public var clientAuthentication: ClientAuthentication
    /// The scopes asked for; `openid` is always among them.
    public var scopes: [String]
    /// Further audiences accepted in ID tokens a native app obtained itself (an iOS app's bundle id,
    /// which Apple puts in `aud` for Sign in with Apple on the device).
    public var additionalAudiences: [String]
    /// Whether the provider's access and refresh tokens are kept (sealed) after a browser login, for the
    /// application to call the provider's APIs. Default `false`: they are read past and dropped.
    public var keepsTokens: Bool

    public init(
        name: String,
        issuer: String,
        discoveryURL: String? = nil,
        preset: Preset = .generic,
        clientID: String,
        clientAuthentication: ClientAuthentication,
        scopes: [String]? = nil,
        additionalAudiences: [String] = [],
        keepsTokens: Bool = false
    ) {
        self.name = name
        self.issuer = issuer
        self.discoveryURL = discoveryURL ?? Self.discoveryURL(forIssuer: issuer)
        self.preset = preset
        self.clientID = clientID
        self.clientAuthentication = clientAuthentication
        self.scopes = scopes ?? Self.defaultScopes(for: preset)
        self.additionalAudiences = additionalAudiences
        self.keepsTokens = keepsTokens
    }

    /// The audiences an ID token may name.
    public var audiences: Set<String> { Set([clientID] + additionalAudiences) }

    /// Whether the provider answers the authorization request with a form posted to the callback.
    public var usesFormPost: Bool { preset == .apple }

    /// What a person sees on a button: the preset's brand, or the configured name.
    public var displayName: String {
        switch preset {
        case .apple: "Apple"
        case .google: "Google"
        case .generic: name.prefix(1).uppercased() + name.dropFirst()
        }
    }

    /// The issuers of the presets, used when a preset is configured without one.
    public static func defaultIssuer(for preset: Preset) -> String? {
        switch preset {
        case .apple: "https://appleid.apple.com"
        case .google: "https://accounts.google.com"
        case .generic: nil
        }
    }

    /// `openid email profile`; Apple knows `name` and `email` only.
    public static func defaultScopes(for preset: Preset) -> [String] {
        preset == .apple ? ["openid", "name", "email"] : ["openid", "email", "profile"]
    }

    /// Whether `name` can name a provider.
    public static func isValidName(_ name: String) -> Bool {
        (1...32).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static let wellKnownPath = "/.well-known/openid-configuration"

    private static func discoveryURL(forIssuer issuer: String) -> String {
        if issuer.hasSuffix(wellKnownPath) { return issuer }
        return (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + wellKnownPath
    }
}
