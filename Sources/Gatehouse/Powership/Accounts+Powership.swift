/// The Powership `Accounts` API, over the native calls: logins put their outcome on a shared
/// ``SessionRequest``.
extension Accounts {
    /// ``Sessions/handleRequest(_:)`` of the accounts' session layer.
    @discardableResult
    public func handleRequest(_ request: SessionRequest) async throws -> SessionRequest {
        try await sessions.handleRequest(request)
    }

    /// ``Sessions/refreshTokens(_:)`` of the accounts' session layer.
    public func refreshTokens(_ input: RefreshTokensInput) async throws -> LoginResult {
        try await sessions.refreshTokens(input)
    }

    /// ``Sessions/logout(authToken:request:)`` of the accounts' session layer.
    @discardableResult
    public func logout(authToken: String, request: SessionRequest) async throws -> Bool {
        try await sessions.logout(authToken: authToken, request: request)
    }

    /// The account with this username (case-insensitive), if any.
    public func findUser(username: String) async throws -> Account? {
        try await account(username: username)
    }

    /// The account with this id, if any.
    public func findUser(accountID: String) async throws -> Account? {
        try await account(id: accountID)
    }

    /// ``logIn(username:password:client:logger:)`` with the client read from `request`, and the new
    /// session put on it.
    public func userByPasswordLogin(username: String, password: String, request: SessionRequest) async throws -> LoginResult {
        try await countingLogin {
            let client = ConnectionInfo(ip: request.requestIp ?? "", userAgent: request.userAgent ?? "")
            let record = try await checkPassword(username: username, password: password, client: client, logger: logger)
            return try await recordingRefusal(of: record, client: client, logger: logger) {
                try checkLoginAllowed(record)
                return try await sessions.upsertRefreshTokenAndSessionDocument(.insert(account: Account(record)), request: request)
            }
        }
    }

    /// Creates a session for a user authenticated elsewhere (no password check).
    public func pushCustomSession(username: String, request: SessionRequest) async throws -> LoginResult {
        guard let account = try await account(username: username) else { throw AccountError.loginFailed }
        return try await sessions.upsertRefreshTokenAndSessionDocument(.insert(account: account), request: request)
    }
}
