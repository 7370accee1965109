import Gatehouse
import Hummingbird

/// A request context that ``GatehouseMiddleware`` can authenticate: it knows the client's address and
/// carries the outcome of authentication to the routes.
///
/// Conform your own context to it to put the middleware in front of your routes while keeping your own
/// fields; ``GatehouseRequestContext`` is the ready-made one.
public protocol GatehouseRequestContextProtocol: RemoteAddressRequestContext {
    /// The request as the session layer sees it; set by ``GatehouseMiddleware`` (`nil` before it ran).
    /// Routes hand it to `Accounts` calls that take a `SessionRequest` (login, logout), and the
    /// middleware reads back from it which token the response must carry.
    var sessionRequest: SessionRequest? { get set }
    /// The authenticated account, or `nil` for a request without a token.
    var account: Account? { get set }
    /// The session the request is authenticated with, or `nil` for a request without a token.
    var session: SessionDocument? { get set }
}
