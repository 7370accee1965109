import Gatehouse
import Hummingbird

/// A request context that can carry the claims of a verified access token; what
/// ``AccessTokenMiddleware`` needs of an application's own context.
public protocol AccessTokenRequestContextProtocol: RequestContext {
    /// The claims of the request's access token, once ``AccessTokenMiddleware`` has verified it.
    var accessToken: AccessTokenClaims? { get set }
}

/// A ready-made context for services that need nothing else.
public struct AccessTokenRequestContext: AccessTokenRequestContextProtocol {
    public var coreContext: CoreRequestContextStorage
    public var accessToken: AccessTokenClaims?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.accessToken = nil
    }
}
