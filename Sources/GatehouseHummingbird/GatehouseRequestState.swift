import Gatehouse
import Synchronization

/// What ``GatehouseMiddleware`` found out about one request, handed to the routes behind it: who is
/// calling (``authentication``), from where (``client``), with which credential (``credential``).
///
/// A route that changes the caller's session tells the middleware through it, so that the response
/// carries the right token headers: ``endSession()`` after ending the caller's own session (the cookie
/// is cleared and no renewed token is sent), ``tokensDelivered()`` after writing the token headers
/// itself (a login, an explicit refresh).
public struct GatehouseRequestState: Sendable {
    /// Where the request's token came from.
    public enum Credential: Sendable, Equatable {
        /// `Authorization: Bearer <token>`.
        case bearer
        /// The session cookie.
        case cookie
    }

    /// Who is calling; `nil` for a request without a token.
    public var authentication: Authentication? { shared.authentication }
    /// The client's address and user agent, as recorded on sessions it starts.
    public var client: ConnectionInfo { shared.client }
    /// Where the token came from; `nil` without one.
    public var credential: Credential? { shared.credential }
    /// What a route did to the caller's session, read by the middleware once the route returned.
    var outcome: Outcome { shared.outcome.withLock { $0 } }

    /// One object for all of it: the state travels in the request context, which is copied into every
    /// middleware and handler on the way, and an account with its session is many fields to copy.
    private let shared: Shared

    init(authentication: Authentication?, client: ConnectionInfo, credential: Credential?) {
        shared = Shared(authentication: authentication, client: client, credential: credential)
    }

    /// Tells the middleware that the caller's session ended: its response clears the cookie and
    /// carries no renewed token.
    public func endSession() {
        shared.outcome.withLock { $0 = .sessionEnded }
    }

    /// Tells the middleware that the route wrote the token headers of its response itself.
    public func tokensDelivered() {
        shared.outcome.withLock { $0 = .tokensDelivered }
    }

    /// What a route did to the caller's session.
    enum Outcome: Sendable {
        case unchanged
        case tokensDelivered
        case sessionEnded
    }

    private final class Shared: Sendable {
        let authentication: Authentication?
        let client: ConnectionInfo
        let credential: Credential?
        let outcome = Mutex(Outcome.unchanged)

        init(authentication: Authentication?, client: ConnectionInfo, credential: Credential?) {
            self.authentication = authentication
            self.client = client
            self.credential = credential
        }
    }
}
