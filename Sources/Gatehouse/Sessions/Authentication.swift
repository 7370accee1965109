import struct Foundation.Date

/// Who a request is, once its token was verified — and which token the client holds from now on.
public struct Authentication: Sendable, Equatable {
    /// The account, projected: no password hash, no tokens.
    public var account: Account
    /// The session as stored after the request.
    public var session: SessionDocument
    /// The token the client must present from now on: a new one when ``isRenewed``, otherwise the one
    /// it presented.
    public var token: String
    /// When ``token`` expires (its `exp`).
    public var tokenExpiresAt: Date
    /// Whether ``token`` was issued by this call (a login or a renewal) and must be sent to the client.
    public var isRenewed: Bool

    public init(account: Account, session: SessionDocument, token: String, tokenExpiresAt: Date, isRenewed: Bool) {
        self.account = account
        self.session = session
        self.token = token
        self.tokenExpiresAt = tokenExpiresAt
        self.isRenewed = isRenewed
    }

    /// The authenticated account's id.
    public var accountID: String { account.accountID }
    /// The session's id.
    public var sessionID: String { session.id }
}
