import Gatehouse
import GatehouseHummingbird
import Hummingbird
import NIOCore

/// A user's own context, to show the middleware works with any conforming context.
struct AppContext: GatehouseRequestContextProtocol {
    var coreContext: CoreRequestContextStorage
    var remoteAddress: SocketAddress? { nil }
    var gatehouse: GatehouseRequestState?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }
}
