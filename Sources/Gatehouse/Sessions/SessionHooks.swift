import struct Foundation.Date
import Synchronization

/// The hook chains of ``Sessions``.
public struct SessionHooks: Sendable {
    /// Runs for every ``Sessions/handleRequest(_:)``. The session handler is pushed at construction:
    /// middlewares added with `unshift` run before authentication (to fill ``SessionRequest/authToken``
    /// from a cookie, say), with `push` after it.
    public let onRequest = AsyncPlugin<SessionRequest, SessionHooksContext>(name: "onRequest")
    /// Runs after each successful refresh in ``Sessions/trySetSession(_:)``.
    public let onRefreshTokens = AsyncPlugin<RefreshTokensEvent, SessionRequest>(name: "onRefreshTokens")
    /// Runs on every failure of ``Sessions/refreshTokens(_:)``; the error the chain ends with is thrown.
    public let onUpsertSessionError = AsyncPlugin<any Error, SessionRequest>(name: "onUpsertSessionError")
    /// Runs when a superseded token is replayed and its session is revoked.
    public let onTokenTheft = AsyncPlugin<TokenTheftEvent, SessionRequest>(name: "onTokenTheft")
}

/// The context of ``SessionHooks/onRequest``: a scratch space shared by the middlewares of one dispatch.
public final class SessionHooksContext: Sendable {
    private let storage = Mutex<[String: any Sendable]>([:])

    public init() {}

    public subscript(key: String) -> (any Sendable)? {
        get { storage.withLock { $0[key] } }
        set { storage.withLock { $0[key] = newValue } }
    }
}

/// The value of ``SessionHooks/onRefreshTokens``: the request after the refresh, and its result.
public struct RefreshTokensEvent: Sendable {
    public var request: SessionRequest
    public var result: LoginResult

    public init(request: SessionRequest, result: LoginResult) {
        self.request = request
        self.result = result
    }
}

/// The value of ``SessionHooks/onTokenTheft``.
public struct TokenTheftEvent: Sendable, Equatable {
    public var sessionId: String
    public var accountId: String
    public var detectedAt: Date
}
