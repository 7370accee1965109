/// How a route that starts a session (`POST /v1/login`) hands the new token to the client, chosen per
/// request with the `Gatehouse-Transport` header (`cookie` or `bearer`) or by the server's default.
///
/// Browsers should use ``cookie``: the token lives in an `HttpOnly` cookie that no script can read, and
/// is renewed in `Set-Cookie` only. Apps and servers should use ``bearer``: the token comes in the body
/// and is sent back as `Authorization: Bearer`; renewals come in the `Auth-Token` header.
public enum TokenTransport: String, Sendable, CaseIterable {
    /// The session cookie only: no token in the body or in a header.
    case cookie
    /// The token in the body (and `Auth-Token`), no cookie.
    case bearer
    /// Both the cookie and the token in the body.
    case both

    var setsCookie: Bool { self != .bearer }
    var returnsToken: Bool { self != .cookie }
}
