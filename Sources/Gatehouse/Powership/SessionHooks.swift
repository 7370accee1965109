/// The Powership hook chains of ``Sessions``.
public struct SessionHooks: Sendable {
    /// Runs for every ``Sessions/handleRequest(_:)``. Its built-in `sessionHandler` step authenticates
    /// and renews: middlewares added with `unshift` run before it (to fill ``SessionRequest/authToken``
    /// from a cookie, say), with `push` after it.
    public let onRequest = AsyncPlugin<SessionRequest, SessionHooksContext>(name: "onRequest", builtInStep: "sessionHandler")
    /// Runs after each successful refresh in ``Sessions/trySetSession(_:)``.
    public let onRefreshTokens = AsyncPlugin<RefreshTokensEvent, SessionRequest>(name: "onRefreshTokens")
    /// Runs on every failure of ``Sessions/refreshTokens(_:)``; the error the chain ends with is thrown.
    public let onUpsertSessionError = AsyncPlugin<any Error, SessionRequest>(name: "onUpsertSessionError")
}
