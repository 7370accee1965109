import GatehouseOIDC

/// One identity provider as the server is configured with it (`--oidc NAME=ISSUER_URL` and the
/// `GATEHOUSE_OIDC_<NAME>_…` variables), its secrets redacted when printed.
public struct IdentityProviderSetting: Sendable, Equatable {
    /// Sign in with Apple's key: the client secret is a JWT signed with it for each code exchange.
    public struct AppleKey: Sendable, Equatable {
        public var teamID: String
        public var keyID: String
        /// The PKCS#8 PEM of the P-256 key (Apple's `.p8` file).
        public var privateKeyPEM: RedactedSecret

        public init(teamID: String, keyID: String, privateKeyPEM: RedactedSecret) {
            self.teamID = teamID
            self.keyID = keyID
            self.privateKeyPEM = privateKeyPEM
        }
    }

    public var name: String
    public var issuer: String
    public var discoveryURL: String?
    public var preset: IdentityProviderConfiguration.Preset
    public var clientID: String
    public var clientSecret: RedactedSecret?
    public var appleKey: AppleKey?
    public var scopes: [String]?
    public var additionalAudiences: [String]
    /// Whether the provider's access and refresh tokens are kept, sealed with the
    /// ``ServerConfiguration/providerTokenKeys`` (`GATEHOUSE_OIDC_<NAME>_KEEP_TOKENS`).
    public var keepsTokens: Bool

    public init(
        name: String,
        issuer: String,
        discoveryURL: String? = nil,
        preset: IdentityProviderConfiguration.Preset = .generic,
        clientID: String,
        clientSecret: RedactedSecret? = nil,
        appleKey: AppleKey? = nil,
        scopes: [String]? = nil,
        additionalAudiences: [String] = [],
        keepsTokens: Bool = false
    ) {
        self.name = name
        self.issuer = issuer
        self.discoveryURL = discoveryURL
        self.preset = preset
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.appleKey = appleKey
        self.scopes = scopes
        self.additionalAudiences = additionalAudiences
        self.keepsTokens = keepsTokens
    }

    /// The provider's configuration for `GatehouseOIDC`. Throws when the Apple key cannot be read.
    public func configuration() throws -> IdentityProviderConfiguration {
        let authentication: ClientAuthentication =
            if let appleKey {
                .apple(
                    try AppleClientSecret(
                        teamID: appleKey.teamID,
                        keyID: appleKey.keyID,
                        clientID: clientID,
                        privateKeyPEM: appleKey.privateKeyPEM.value
                    )
                )
            } else if let clientSecret {
                .secret(clientSecret.value)
            } else {
                .none
            }
        return IdentityProviderConfiguration(
            name: name,
            issuer: issuer,
            discoveryURL: discoveryURL,
            preset: preset,
            clientID: clientID,
            clientAuthentication: authentication,
            scopes: scopes,
            additionalAudiences: additionalAudiences,
            keepsTokens: keepsTokens
        )
    }
}
