import Gatehouse
import HTTPTypes
import Hummingbird
import Logging

/// The handlers of the Gatehouse API. Each one runs behind ``GatehouseMiddleware``, which has already
/// authenticated (and possibly renewed) the request's token; the handlers only read and change
/// `context.sessionRequest`, and the middleware turns its final state into `Auth-Token` and cookies.
struct GatehouseRouteHandlers<Context: GatehouseRequestContextProtocol>: Sendable {
    let accounts: Accounts
    let configuration: GatehouseHTTPConfiguration
    let logger: Logger

    private var cookie: SessionCookie { SessionCookie(configuration: configuration) }

    // MARK: Routes

    func health(_ request: Request, context: Context) throws -> Response {
        try JSONPayload.response(StatusResponse())
    }

    func createAccount(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONPayload.decode(CreateAccountBody.self, from: request, limit: configuration.maximumBodySize)
        let account = try await accounts.createAccount(CreateAccountInput(username: body.username, email: body.email, password: body.password))
        return try JSONPayload.response(AccountResponse(account: AccountPayload(account)), status: .created)
    }

    func login(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONPayload.decode(LoginBody.self, from: request, limit: configuration.maximumBodySize)
        let sessionRequest = try sessionRequest(of: context)
        let result: LoginResult
        do {
            result = try await accounts.userByPasswordLogin(username: body.username, password: body.password, request: sessionRequest)
        } catch let error as AccountError {
            logger.info("login refused", metadata: ["gatehouse.error": "\(error.code)"])
            throw error
        }
        logger.info("login", metadata: [
            "gatehouse.session_id": "\(result.sessionDocument.id)", "gatehouse.account_id": "\(result.account.accountId)",
        ])
        var headers = HTTPFields()
        if configuration.cookie.enabled {
            let lifetime = SessionCookie.tokenLifetime(of: result.sessionDocument, options: accounts.options.sessions)
            headers[.setCookie] = cookie.setting(result.authToken, lifetime: lifetime)
        }
        let payload = LoginResponse(authToken: result.authToken, session: SessionPayload(result.sessionDocument), account: AccountPayload(result.account))
        return try JSONPayload.response(payload, headers: headers)
    }

    func me(_ request: Request, context: Context) throws -> Response {
        let caller = try authenticated(context)
        return try JSONPayload.response(MeResponse(account: AccountPayload(caller.account), session: SessionPayload(caller.session)))
    }

    /// The seed's `refreshTokens`: the token this request ends with, renewed exactly once. Under the
    /// every-request policy the middleware's renewal is that renewal; under an interval policy a token
    /// the middleware kept is renewed here. A token accepted within the grace period stays as it is.
    func refresh(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        if !caller.request.tokenRenewed, case .olderThan = accounts.sessions.options.renewal, let token = caller.request.authToken {
            _ = try await accounts.refreshTokens(RefreshTokensInput(authToken: token, request: caller.request, forceRenewal: true))
        }
        guard let token = caller.request.authToken else { throw AccountError(.unauthorized, "This route needs an auth token.") }
        return try JSONPayload.response(TokenResponse(authToken: token))
    }

    func logout(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        guard let token = caller.request.authToken else { throw AccountError(.unauthorized, "This route needs an auth token.") }
        try await accounts.logout(authToken: token, request: caller.request)
        logger.info("logout", metadata: ["gatehouse.session_id": "\(caller.session.id)", "gatehouse.account_id": "\(caller.account.accountId)"])
        return try JSONPayload.response(OKResponse())
    }

    func listSessions(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let sessions = try await accounts.sessions(ofAccount: caller.account.accountId)
        return try JSONPayload.response(SessionsResponse(sessions: sessions.map { SessionPayload($0, current: $0.id == caller.session.id) }))
    }

    /// Ends one of the caller's sessions. Another account's session is indistinguishable from an
    /// unknown one (404), so ids cannot be probed.
    func deleteSession(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        guard let id = context.parameters.get("id"), !id.isEmpty, id.utf8.count <= 128 else {
            throw AccountError(.sessionNotFound, "No valid session to invalidate.")
        }
        // Invalidation clears the request it is given: the caller's own only when it ends its own session.
        let target = id == caller.session.id
            ? caller.request
            : SessionRequest(requestIp: caller.request.requestIp, userAgent: caller.request.userAgent)
        let count = try await accounts.sessions.invalidateSessions(.session(id: id), accountId: caller.account.accountId, request: target)
        logger.info("session revoked", metadata: [
            "gatehouse.session_id": "\(id)", "gatehouse.account_id": "\(caller.account.accountId)", "gatehouse.by_session_id": "\(caller.session.id)",
        ])
        return try JSONPayload.response(InvalidatedResponse(invalidated: count))
    }

    /// Logs out everywhere (the current session included) or, with `?except=current`, everywhere else.
    func deleteSessions(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let count: Int
        switch request.uri.queryParameters.get("except") {
        case nil:
            count = try await accounts.sessions.invalidateSessions(.all, accountId: caller.account.accountId, request: caller.request)
        case "current"?:
            // A separate request: invalidation clears the request it is given, and this one stays signed in.
            let scratch = SessionRequest(requestIp: caller.request.requestIp, userAgent: caller.request.userAgent)
            do {
                count = try await accounts.sessions.invalidateSessions(
                    .allExcept(sessionId: caller.session.id), accountId: caller.account.accountId, request: scratch)
            } catch let error as AccountError where error.code == .sessionNotFound {
                count = 0
            }
        default:
            throw AccountError(.invalidRequest, "`except` only accepts `current`.")
        }
        logger.info("sessions revoked", metadata: [
            "gatehouse.account_id": "\(caller.account.accountId)", "gatehouse.by_session_id": "\(caller.session.id)",
            "gatehouse.count": "\(count)", "gatehouse.kept_current": "\(request.uri.queryParameters.get("except") != nil)",
        ])
        return try JSONPayload.response(InvalidatedResponse(invalidated: count))
    }

    // MARK: Helpers

    private struct Caller {
        var request: SessionRequest
        var account: Account
        var session: SessionDocument
    }

    private func sessionRequest(of context: Context) throws -> SessionRequest {
        guard let request = context.sessionRequest else {
            // Only reachable when the routes are mounted without their middleware.
            throw AccountError(.invalidConfiguration, "The Gatehouse routes run without GatehouseMiddleware.")
        }
        return request
    }

    private func authenticated(_ context: Context) throws -> Caller {
        let request = try sessionRequest(of: context)
        guard let account = context.account, let session = context.session else {
            throw AccountError(.unauthorized, "This route needs an auth token.")
        }
        return Caller(request: request, account: account, session: session)
    }
}
