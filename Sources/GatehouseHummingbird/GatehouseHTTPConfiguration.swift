/// How the Gatehouse HTTP layer behaves: cookies, token transport, CSRF, CORS, proxies and body limits.
/// Every field has a default, so `GatehouseHTTPConfiguration()` is a working configuration.
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
///
/// Logging in and signing up carry no credential yet, so a cross-site page could log a victim in to the
/// attacker's account: a request to `POST /v1/login` or `POST /v1/accounts` whose `Origin` is neither this
/// server's nor a ``cors`` origin is refused the same way, and every JSON route only accepts
/// `Content-Type: application/json` (`415 UnsupportedMediaType` otherwise), which a cross-site form
/// cannot send.
public struct GatehouseHTTPConfiguration: Sendable {
    /// The session cookie; see ``CookieSettings``.
    public var cookie: CookieSettings = CookieSettings()
    /// How a route that starts a session hands the token over when the request does not choose with
    /// its `Gatehouse-Transport` header. Default ``TokenTransport/both``.
    public var tokenTransport: TokenTransport = .both
    /// The proxies whose `X-Forwarded-For` is believed: only when the socket's peer is one of them is the
    /// header read, from the right, skipping these addresses; the first other hop is the client. Empty
    /// (the default): the socket's peer is the client.
    public var trustedProxies: [IPNetwork] = []
    /// Which other origins may call the API from a browser; `nil` sends no CORS headers at all.
    public var cors: CORSSettings? = nil
    /// The largest request body accepted, in bytes; larger bodies are answered `413`. Default 64 KiB.
    public var maximumBodySize: Int = 64 * 1024
    /// The header that marks a cookie-authenticated, state-changing request as same-site. See the
    /// CSRF section above.
    public var csrfHeaderName: String = "X-Gatehouse-CSRF"

    /// A configuration with every default.
    public init() {}

    /// A configuration with the given fields.
    public init(
        cookie: CookieSettings = CookieSettings(),
        tokenTransport: TokenTransport = .both,
        trustedProxies: [IPNetwork] = [],
        cors: CORSSettings? = nil,
        maximumBodySize: Int = 64 * 1024,
        csrfHeaderName: String = "X-Gatehouse-CSRF"
    ) {
        self.cookie = cookie
        self.tokenTransport = tokenTransport
        self.trustedProxies = trustedProxies
        self.cors = cors
        self.maximumBodySize = maximumBodySize
        self.csrfHeaderName = csrfHeaderName
    }
}
