/// The input of ``Sessions/refreshTokens(_:)``.
public struct RefreshTokensInput: Sendable {
    public var authToken: String
    public var request: SessionRequest
    /// Renew even when the renewal policy would not (an explicit refresh under an interval policy).
    public var forceRenewal: Bool

    public init(authToken: String, request: SessionRequest, forceRenewal: Bool = false) {
        self.authToken = authToken
        self.request = request
        self.forceRenewal = forceRenewal
    }
}
