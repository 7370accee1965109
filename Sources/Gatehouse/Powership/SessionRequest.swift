import Synchronization

/// One incoming request as the session layer sees it: what the client presented (token, IP, user
/// agent) and, once handled, who it is (``user``, ``session``) and which token it should now hold.
///
/// It is a reference type, shared by the hooks and the caller during one request; the native API
/// (``Sessions/authenticate(token:client:forceRenewal:logger:)``) returns values instead. Its fields are
/// guarded by a lock so it can cross tasks safely.
public final class SessionRequest: Sendable {
    private struct State {
        var authToken: String?
        var requestIp: String?
        var userAgent: String?
        var user: Account?
        var session: SessionDocument?
        var sessionDestroyed: Bool?
        var tokenRenewed = false
        var onCallDestroySession: (@Sendable (SessionRequest) async throws -> Void)?
    }

    private let state: Mutex<State>

    public init(
        authToken: String? = nil,
        requestIp: String?,
        userAgent: String?,
        onCallDestroySession: (@Sendable (SessionRequest) async throws -> Void)? = nil
    ) {
        state = Mutex(State(authToken: authToken, requestIp: requestIp, userAgent: userAgent, onCallDestroySession: onCallDestroySession))
    }

    /// In: the token the client presented. Out: the token the client should hold from now on.
    public var authToken: String? {
        get { state.withLock { $0.authToken } }
        set { state.withLock { $0.authToken = newValue } }
    }

    /// The client's IP address.
    public var requestIp: String? {
        get { state.withLock { $0.requestIp } }
        set { state.withLock { $0.requestIp = newValue } }
    }

    /// The client's `User-Agent`; its keyed hash is bound into each token.
    public var userAgent: String? {
        get { state.withLock { $0.userAgent } }
        set { state.withLock { $0.userAgent = newValue } }
    }

    /// The authenticated account: a projection that never holds password hashes or tokens.
    public var user: Account? {
        get { state.withLock { $0.user } }
        set { state.withLock { $0.user = newValue } }
    }

    /// The session the request is authenticated with.
    public var session: SessionDocument? {
        get { state.withLock { $0.session } }
        set { state.withLock { $0.session = newValue } }
    }

    /// `true` once the request's session was invalidated.
    public var sessionDestroyed: Bool? {
        get { state.withLock { $0.sessionDestroyed } }
        set { state.withLock { $0.sessionDestroyed = newValue } }
    }

    /// `true` when handling this request issued a new token (``authToken`` changed).
    public var tokenRenewed: Bool {
        get { state.withLock { $0.tokenRenewed } }
        set { state.withLock { $0.tokenRenewed = newValue } }
    }

    /// Called by invalidation before the request is cleared, for example to delete a cookie.
    public var onCallDestroySession: (@Sendable (SessionRequest) async throws -> Void)? {
        get { state.withLock { $0.onCallDestroySession } }
        set { state.withLock { $0.onCallDestroySession = newValue } }
    }

    /// Sets the outcome of a successful login or refresh in one step.
    package func authenticate(token: String, renewed: Bool, user: Account, session: SessionDocument) {
        state.withLock { state in
            state.authToken = token
            state.tokenRenewed = renewed
            state.user = user
            state.session = session
        }
    }

    /// Clears what invalidation removes.
    package func clearAfterInvalidation() {
        state.withLock { state in
            state.authToken = nil
            state.user = nil
            state.session = nil
            state.tokenRenewed = false
            state.sessionDestroyed = true
        }
    }
}
