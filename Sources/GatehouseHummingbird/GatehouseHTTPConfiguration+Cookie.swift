extension GatehouseHTTPConfiguration {
    /// The session cookie: set on login, replaced on every renewal, cleared on logout.
    public struct CookieSettings: Sendable, Equatable {
        /// The `SameSite` attribute.
        public enum SameSite: String, Sendable, Equatable {
            /// Only sent on requests from this site.
            case strict = "Strict"
            /// Also sent on top-level navigations from other sites (links), not on their subrequests.
            case lax = "Lax"
            /// Sent on every request, cross-site ones included; browsers require `Secure` with it.
            case none = "None"
        }

        /// Whether logins set the cookie and requests may authenticate with it. Default `true`.
        public var enabled: Bool = true
        /// The cookie's name. Default `__Host-gatehouse`: browsers only accept a `__Host-` cookie that is
        /// `Secure`, has `Path=/` and no `Domain`, so a sibling subdomain cannot plant one.
        public var name: String = "__Host-gatehouse"
        /// `Secure` attribute. Default `true`, on loopback too: browsers accept `Secure` cookies on
        /// `http://localhost`.
        public var secure: Bool = true
        /// `SameSite` attribute. Default `Lax`: the cookie follows top-level navigations but not
        /// cross-site subrequests.
        public var sameSite: SameSite = .lax
        /// `Path` attribute. Default `/`.
        public var path: String = "/"
        /// `HttpOnly` attribute: scripts cannot read the token. Default `true`.
        public var httpOnly: Bool = true
        /// Whether the cookie outlives the browser session (`Max-Age` set to the token's remaining
        /// lifetime). Default `true`; `false` makes it a browser-session cookie.
        public var persistent: Bool = true

        /// Cookie settings with every default.
        public init() {}

        /// Cookie settings with the given fields.
        public init(
            enabled: Bool = true,
            name: String = "__Host-gatehouse",
            secure: Bool = true,
            sameSite: SameSite = .lax,
            path: String = "/",
            httpOnly: Bool = true,
            persistent: Bool = true
        ) {
            self.enabled = enabled
            self.name = name
            self.secure = secure
            self.sameSite = sameSite
            self.path = path
            self.httpOnly = httpOnly
            self.persistent = persistent
        }
    }
}
