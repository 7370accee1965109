import Gatehouse
import Hummingbird
import NIOCore

/// The request context of the Gatehouse router: Hummingbird's basic context, the client's address, and
/// what ``GatehouseMiddleware`` found out about the caller.
public struct GatehouseRequestContext: GatehouseRequestContextProtocol {
    /// Hummingbird's own per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The peer address of the connection (`nil` when there is no socket, as in in-process tests).
    public let remoteAddress: SocketAddress?
    /// The request as the session layer sees it, once ``GatehouseMiddleware`` ran.
    public var sessionRequest: SessionRequest?
    /// The authenticated account; `nil` for an anonymous request.
    public var account: Account?
    /// The session of the presented token; `nil` for an anonymous request.
    public var session: SessionDocument?

    /// Creates the context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = CoreRequestContextStorage(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
