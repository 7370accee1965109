/// How the Gatehouse HTTP layer behaves: cookies, CSRF, CORS, proxies and body limits. Every field has
/// a default, so `GatehouseHTTPConfiguration()` is a working configuration for a server on loopback.
///
/// ## Cross-site request forgery
/// A browser attaches the session cookie to every request to this server, including requests that
/// another site triggers. So a request that is authenticated **by the cookie** and uses a
/// state-changing method (`POST`, `PUT`, `PATCH`, `DELETE`) is only accepted when at least one of these
/// holds:
/// - it carries the ``csrfHeaderName`` header (`X-Gatehouse-CSRF` by default) with any non-empty value.
///   A cross-site page cannot add a custom header without a CORS preflight, which only the origins in
///   ``cors`` pass;
/// - its `Origin` header (or, when there is none, the origin of its `Referer`) is the server's own origin
///   (the scheme's host and port match the request's `Host`), or one of the ``cors`` origins.
///
/// Anything else — a foreign `Origin`, `Origin: null`, or no `Origin`, no `Referer` and no header — is
/// answered `403` with the code `CSRFRejected`, before the token is verified or renewed. Requests
/// authenticated with `Authorization: Bearer …` are not checked: a browser never adds that header on
/// its own, so it cannot be forged across sites. `GET`, `HEAD` and `OPTIONS` are not checked either;
/// they must not change state.
public struct GatehouseHTTPConfiguration: Sendable {
    /// The session cookie; see ``CookieSettings``.
    public var cookie: CookieSettings = CookieSettings()
    /// Whether the first address of `X-Forwarded-For` is taken as the client's IP address. Only turn
    /// this on behind a proxy that sets the header: otherwise any client can choose the IP it is
    /// throttled and recorded under.
    public var trustForwardedFor: Bool = false
    /// Which other origins may call the API from a browser; `nil` sends no CORS headers at all.
    public var cors: CORSSettings? = nil
    /// The largest request body accepted, in bytes; larger bodies are answered `413`. Default 64 KiB.
    public var maximumBodySize: Int = 64 * 1024
    /// The header that marks a cookie-authenticated, state-changing request as same-site. See the
    /// CSRF section above.
    public var csrfHeaderName: String = "X-Gatehouse-CSRF"
    /// Whether the server listens on a loopback address without TLS; with the default cookie settings
    /// this is what decides whether the cookie is marked `Secure` (a browser would not send a `Secure`
    /// cookie to `http://localhost`). Set it to `false` for any server reachable from elsewhere.
    public var listensOnLoopbackWithoutTLS: Bool = true

    /// A configuration with every default.
    public init() {}

    /// A configuration with the given fields.
    public init(
        cookie: CookieSettings = CookieSettings(),
        trustForwardedFor: Bool = false,
        cors: CORSSettings? = nil,
        maximumBodySize: Int = 64 * 1024,
        csrfHeaderName: String = "X-Gatehouse-CSRF",
        listensOnLoopbackWithoutTLS: Bool = true
    ) {
        self.cookie = cookie
        self.trustForwardedFor = trustForwardedFor
        self.cors = cors
        self.maximumBodySize = maximumBodySize
        self.csrfHeaderName = csrfHeaderName
        self.listensOnLoopbackWithoutTLS = listensOnLoopbackWithoutTLS
    }

    /// Whether the cookie carries the `Secure` attribute: ``CookieSettings/secure`` when set, otherwise
    /// everywhere except on a loopback listener without TLS.
    public var cookieIsSecure: Bool {
        cookie.secure ?? !listensOnLoopbackWithoutTLS
    }
}
