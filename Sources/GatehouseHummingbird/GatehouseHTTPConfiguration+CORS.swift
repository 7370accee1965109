extension GatehouseHTTPConfiguration {
    /// Cross-origin access for browser clients served from other origins.
    ///
    /// Only the listed origins get CORS headers; `Auth-Token` (the renewed token) and `Retry-After` are
    /// always exposed to them, and the CSRF header is always allowed, so a listed origin can make
    /// cookie-authenticated, state-changing calls.
    public struct CORSSettings: Sendable, Equatable {
        /// Origins allowed to call the API, exactly as browsers send them (`https://app.example.com`).
        public var allowedOrigins: [String]
        /// Whether browsers may send cookies on cross-origin requests from those origins. Default `true`.
        public var allowCredentials: Bool
        /// How long browsers may cache a preflight answer, in seconds. Default 600.
        public var maxAge: Int

        /// CORS for `allowedOrigins`.
        public init(allowedOrigins: [String], allowCredentials: Bool = true, maxAge: Int = 600) {
            self.allowedOrigins = allowedOrigins
            self.allowCredentials = allowCredentials
            self.maxAge = maxAge
        }
    }
}
