/// The value of ``SessionHooks/onRefreshTokens``: the request after the refresh, and its result.
public struct RefreshTokensEvent: Sendable {
    public var request: SessionRequest
    public var result: LoginResult

    public init(request: SessionRequest, result: LoginResult) {
        self.request = request
        self.result = result
    }
}
