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
    public let authentication: Authentication?
    /// The client's address and user agent, as recorded on sessions it starts.
    public let client: ConnectionInfo
    /// Where the token came from; `nil` without one.
    public let credential: Credential?
    let outcome: Outcome

    init(authentication: Authentication?, client: ConnectionInfo, credential: Credential?) {
        self.authentication = authentication
        self.client = client
        self.credential = credential
        self.outcome = Outcome()
    }

    /// Tells the middleware that the caller's session ended: its response clears the cookie and
    /// carries no renewed token.
    public func endSession() {
        outcome.set(.sessionEnded)
    }

    /// Tells the middleware that the route wrote the token headers of its response itself.
    public func tokensDelivered() {
        outcome.set(.tokensDelivered)
    }

    /// What a route did to the caller's session, read by the middleware once the route returned.
    final class Outcome: Sendable {
        enum Value: Sendable {
            case unchanged
            case tokensDelivered
            case sessionEnded
        }

        private let value = Mutex(Value.unchanged)

        func set(_ new: Value) { value.withLock { $0 = new } }
        var current: Value { value.withLock { $0 } }
    }
}
