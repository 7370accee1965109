/// What a login or a refresh of the Powership API produces.
public struct LoginResult: Sendable, Equatable {
    /// The token the client must present from now on (the presented one when it was not renewed).
    public var authToken: String
    /// The session as stored after the operation.
    public var sessionDocument: SessionDocument
    /// The account, projected: no password hash, no tokens.
    public var account: Account
    /// Whether ``authToken`` is a new token.
    public var renewed: Bool

    public init(authToken: String, sessionDocument: SessionDocument, account: Account, renewed: Bool) {
        self.authToken = authToken
        self.sessionDocument = sessionDocument
        self.account = account
        self.renewed = renewed
    }

    /// The result of a native ``Authentication``.
    public init(_ authentication: Authentication) {
        self.init(
            authToken: authentication.token,
            sessionDocument: authentication.session,
            account: authentication.account,
            renewed: authentication.isRenewed
        )
    }
}
