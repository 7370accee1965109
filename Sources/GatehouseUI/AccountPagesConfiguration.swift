/// How the account pages look and where they may send people.
public struct AccountPagesConfiguration: Sendable, Equatable {
    /// The product name in the header and titles.
    public var brand: String
    /// The accent colour of buttons and links: `#rgb` or `#rrggbb`.
    public var accentColor: String
    /// A logo shown next to the brand: an `https://` URL or a path on this server; `nil` for none.
    public var logoURL: String?
    /// Origins (`https://app.example.com`) a person may be sent to after logging in with `return_to`,
    /// besides this server's own paths.
    public var returnOrigins: [String]
    /// A directory whose `ui/` folder overrides built-in templates (`ui/login.mustache`, `ui/layout.mustache`…).
    public var templatesDirectory: String?
    /// The largest form body accepted, in bytes.
    public var maximumFormSize: Int
    /// The identity providers the login and sign-up pages offer a `Continue with …` button for; their
    /// routes (`/v1/oidc/{name}/start`) are served by `GatehouseOIDC`.
    public var identityProviders: [IdentityProviderButton]

    /// One `Continue with …` button.
    public struct IdentityProviderButton: Sendable, Equatable {
        /// The provider's name in its routes.
        public var name: String
        /// What the button says after `Continue with`.
        public var displayName: String

        public init(name: String, displayName: String) {
            self.name = name
            self.displayName = displayName
        }
    }

    public init(
        brand: String = "Gatehouse",
        accentColor: String = "#2f5fd0",
        logoURL: String? = nil,
        returnOrigins: [String] = [],
        templatesDirectory: String? = nil,
        maximumFormSize: Int = 16_384,
        identityProviders: [IdentityProviderButton] = []
    ) {
        self.brand = brand
        self.accentColor = accentColor
        self.logoURL = logoURL
        self.returnOrigins = returnOrigins
        self.templatesDirectory = templatesDirectory
        self.maximumFormSize = maximumFormSize
        self.identityProviders = identityProviders
    }

    /// Why a configuration cannot be used.
    public struct InvalidConfiguration: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Checks the values that end up in the stylesheet, the Content-Security-Policy and redirects, and
    /// that every template in ``templatesDirectory`` parses.
    public func validate() throws(InvalidConfiguration) {
        let hex = accentColor.dropFirst()
        guard accentColor.hasPrefix("#"), hex.count == 3 || hex.count == 6, hex.allSatisfy(\.isHexDigit) else {
            throw InvalidConfiguration(description: "the accent colour is #rgb or #rrggbb, such as #2f5fd0")
        }
        guard !brand.isEmpty, brand.count <= 64 else {
            throw InvalidConfiguration(description: "the brand name is 1 to 64 characters")
        }
        if let logoURL, logoOrigin == nil, !Self.isLocalPath(logoURL) {
            throw InvalidConfiguration(description: "the logo URL is an https:// URL or a path on this server")
        }
        for origin in returnOrigins where ReturnTarget.origin(of: origin) == nil {
            throw InvalidConfiguration(description: "a return origin is an http(s) origin, such as https://app.example.com")
        }
        if templatesDirectory != nil {
            do {
                _ = try PageRenderer(templatesDirectory: templatesDirectory)
            } catch {
                throw InvalidConfiguration(description: error.description)
            }
        }
    }

    /// The origin the logo is loaded from, for the Content-Security-Policy; `nil` for a local path.
    var logoOrigin: String? {
        guard let logoURL, logoURL.lowercased().hasPrefix("https://") else { return nil }
        return ReturnTarget.origin(of: logoURL)
    }

    private static func isLocalPath(_ text: String) -> Bool {
        text.hasPrefix("/") && !text.hasPrefix("//") && !text.contains("\\") && !text.contains("\"")
    }
}
