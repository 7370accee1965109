/// Where the links in messages point: the application that receives the person who clicks them.
///
/// A link is ``baseURL`` + a path + `?token=…`: by default the account pages that `gatehouse serve`
/// itself serves (`/ui/verify`, `/ui/reset`).
public struct MessageLinks: Sendable, Equatable {
    /// The application's address as a browser reaches it, such as `https://app.example.com`, without a
    /// trailing slash.
    public var baseURL: String
    /// The page that confirms an e-mail address (a verification or an address change).
    public var verificationPath: String
    /// The page that sets a new password.
    public var recoveryPath: String

    public init(baseURL: String = "http://127.0.0.1:8080", verificationPath: String = "/ui/verify", recoveryPath: String = "/ui/reset") {
        self.baseURL = baseURL
        self.verificationPath = verificationPath
        self.recoveryPath = recoveryPath
    }

    /// The link that confirms an address with `token`.
    public func verification(token: String) -> String { link(verificationPath, token) }

    /// The link that sets a new password with `token`.
    public func recovery(token: String) -> String { link(recoveryPath, token) }

    private func link(_ path: String, _ token: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let separator = path.contains("?") ? "&" : "?"
        // Tokens are base64url: nothing in them needs escaping in a query.
        return base + (path.hasPrefix("/") ? path : "/" + path) + separator + "token=" + token
    }
}
