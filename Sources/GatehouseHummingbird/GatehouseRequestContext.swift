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
    /// The caller, once ``GatehouseMiddleware`` ran.
    public var gatehouse: GatehouseRequestState?

    /// Creates the context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = CoreRequestContextStorage(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
