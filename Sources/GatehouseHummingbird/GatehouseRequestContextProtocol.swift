import Gatehouse
import Hummingbird

/// A request context that ``GatehouseMiddleware`` can authenticate: it knows the client's address and
/// carries the outcome of authentication to the routes.
///
/// Conform your own context to it to put the middleware in front of your routes while keeping your own
/// fields — one stored property does it:
///
/// ```swift
/// struct AppContext: GatehouseRequestContextProtocol {
///     var coreContext: CoreRequestContextStorage
///     let remoteAddress: SocketAddress?
///     var gatehouse: GatehouseRequestState?
///     init(source: ApplicationRequestContextSource) {
///         coreContext = CoreRequestContextStorage(source: source)
///         remoteAddress = source.channel.remoteAddress
///     }
/// }
/// ```
/// ``GatehouseRequestContext`` is the ready-made one.
public protocol GatehouseRequestContextProtocol: RemoteAddressRequestContext {
    /// What ``GatehouseMiddleware`` found out about the caller; `nil` before it ran.
    var gatehouse: GatehouseRequestState? { get set }
}

extension GatehouseRequestContextProtocol {
    /// The authenticated account, or `nil` for a request without a token.
    public var account: Account? { gatehouse?.authentication?.account }
    /// The session the request is authenticated with, or `nil` for a request without a token.
    public var session: SessionDocument? { gatehouse?.authentication?.session }
}
