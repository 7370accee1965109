import Gatehouse
import HTTPTypes
import Hummingbird
import Logging

/// The handlers of the Gatehouse API. Each one runs behind ``GatehouseMiddleware``, which has already
/// authenticated (and possibly renewed) the request's token and put a ``GatehouseRequestState`` on the
/// context; a handler that changes the caller's session says so on that state, and the middleware
/// turns it into `Auth-Token` and cookie headers.
package struct GatehouseRouteHandlers<Context: GatehouseRequestContextProtocol>: Sendable {
    package let accounts: Accounts
    package let configuration: GatehouseHTTPConfiguration

    package init(accounts: Accounts, configuration: GatehouseHTTPConfiguration) {
        self.accounts = accounts
        self.configuration = configuration
    }

    package var cookie: SessionCookie { SessionCookie(configuration: configuration) }
    package var csrf: CSRFCheck { CSRFCheck(configuration: configuration) }
    package var sessions: Sessions { accounts.sessions }

    // MARK: Routes

    func health(_ request: Request, context: Context) throws -> Response {
        try JSONPayload.response(StatusResponse())
    }

    func createAccount(_ request: Request, context: Context) async throws -> Response {
        try csrf.verifyOrigin(request)
        let state = try requestState(of: context)
        let body = try await JSONPayload.decode(CreateAccountBody.self, from: request, limit: configuration.maximumBodySize)
        let account = try await accounts.signUp(
            CreateAccountInput(username: body.username, email: body.email, password: body.password),
            client: state.client,
            logger: context.logger
        )
        return try JSONPayload.response(AccountResponse(account: AccountPayload(account)), status: .created)
    }

    func login(_ request: Request, context: Context) async throws -> Response {
        try csrf.verifyOrigin(request)
        let transport = try transport(of: request)
        let body = try await JSONPayload.decode(LoginBody.self, from: request, limit: configuration.maximumBodySize)
        let state = try requestState(of: context)
        let outcome: LoginOutcome
        do {
            outcome = try await accounts.beginLogIn(username: body.username, password: body.password, client: state.client, logger: context.logger)
        } catch let error as AccountError {
            context.logger.info("login refused", metadata: ["gatehouse.error": "\(error.code)"])
            throw error
        }
        switch outcome {
        case .authenticated(let login):
            return try loggedIn(login, state: state, transport: transport, context: context)
        case .secondFactorRequired(let challenge):
            return try JSONPayload.response(SecondFactorResponse(challenge))
        }
    }

    /// The answer to a login that started a session: the token per `transport`, the session, the account.
    func loggedIn(_ login: Authentication, state: GatehouseRequestState, transport: TokenTransport, context: Context) throws -> Response {
        context.logger.info("login", metadata: ["gatehouse.session_id": "\(login.sessionID)", "gatehouse.account_id": "\(login.accountID)"])
        state.tokensDelivered()
        return try sessionStarted(login, transport: transport)
    }

    func me(_ request: Request, context: Context) throws -> Response {
        let caller = try authenticated(context)
        return try JSONPayload.response(
            MeResponse(account: AccountPayload(caller.authentication.account), session: SessionPayload(caller.authentication.session))
        )
    }

    /// The token this request ends with, renewed exactly once. Under the every-request policy the
    /// middleware's renewal is that renewal; under an interval policy a token the middleware kept is
    /// renewed here. A token accepted within the grace period stays as it is. A cookie session gets its
    /// token in the cookie only: the body says when it expires, never what it is.
    func refresh(_ request: Request, context: Context) async throws -> Response {
        try await renewedOnce(try authenticated(context), context: context)
    }

    /// The answer with the token `caller` ends this request with, renewed exactly once (see
    /// ``refresh(_:context:)``): a second renewal would leave the client two tokens behind, and a
    /// retry after a lost response would look like theft.
    func renewedOnce(_ caller: Caller, context: Context) async throws -> Response {
        let current = caller.authentication
        if !current.isRenewed, case .olderThan = sessions.options.renewal,
            let renewed = try await sessions.authenticate(
                token: current.token,
                client: caller.state.client,
                forceRenewal: true,
                logger: context.logger
            )
        {
            return try tokenDelivered(renewed, to: caller)
        }
        let body = TokenResponse(authToken: caller.state.credential == .cookie ? nil : current.token, expiresAt: current.tokenExpiresAt)
        // A token accepted inside the grace period goes back in the body alone, with no header that
        // tells the middleware to keep this answer out of caches.
        return try JSONPayload.response(body, headers: [.cacheControl: "no-store"])
    }

    func logout(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let session = caller.authentication.session
        guard try await sessions.revokeSessions(.session(id: session.id, accountID: session.accountID), reason: .logout, logger: context.logger) > 0
        else {
            throw AccountError.sessionNotFound
        }
        caller.state.endSession()
        context.logger.info("logout", metadata: ["gatehouse.session_id": "\(session.id)", "gatehouse.account_id": "\(session.accountID)"])
        return try JSONPayload.response(OKResponse())
    }

    func listSessions(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let current = caller.authentication.session.id
        let sessions = try await accounts.sessions(ofAccount: caller.authentication.accountID)
        return try JSONPayload.response(SessionsResponse(sessions: sessions.map { SessionPayload($0, current: $0.id == current) }))
    }

    /// Ends one of the caller's sessions. Another account's session is indistinguishable from an
    /// unknown one (404), so ids cannot be probed.
    func deleteSession(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        guard let id = context.parameters.get("id"), !id.isEmpty, id.utf8.count <= 128 else {
            throw AccountError.sessionNotFound
        }
        let accountID = caller.authentication.accountID
        let count = try await sessions.revokeSessions(.session(id: id, accountID: accountID), reason: .logout, logger: context.logger)
        guard count > 0 else { throw AccountError.sessionNotFound }
        if id == caller.authentication.sessionID { caller.state.endSession() }
        context.logger.info(
            "session revoked",
            metadata: [
                "gatehouse.session_id": "\(id)", "gatehouse.account_id": "\(accountID)",
                "gatehouse.by_session_id": "\(caller.authentication.sessionID)",
            ]
        )
        return try JSONPayload.response(InvalidatedResponse(invalidated: count))
    }

    /// Logs out everywhere (the current session included) or, with `?except=current`, everywhere else.
    func deleteSessions(_ request: Request, context: Context) async throws -> Response {
        let caller = try authenticated(context)
        let accountID = caller.authentication.accountID
        let count: Int
        switch request.uri.queryParameters.get("except") {
        case nil:
            count = try await sessions.revokeSessions(.allSessions(accountID: accountID), reason: .logout, logger: context.logger)
            guard count > 0 else { throw AccountError.sessionNotFound }
            caller.state.endSession()
        case "current"?:
            count = try await sessions.revokeSessions(
                .allSessionsExcept(sessionID: caller.authentication.sessionID, accountID: accountID),
                reason: .logout,
                logger: context.logger
            )
        default:
            throw AccountError.invalidRequest(.query)
        }
        context.logger.info(
            "sessions revoked",
            metadata: [
                "gatehouse.account_id": "\(accountID)", "gatehouse.by_session_id": "\(caller.authentication.sessionID)",
                "gatehouse.count": "\(count)", "gatehouse.kept_current": "\(request.uri.queryParameters.get("except") != nil)",
            ]
        )
        return try JSONPayload.response(InvalidatedResponse(invalidated: count))
    }

    // MARK: Helpers

    /// The transport a session-starting request asked for with `Gatehouse-Transport`, or the default.
    package func transport(of request: Request) throws -> TokenTransport {
        guard let asked = request.headers[.gatehouseTransport] else { return configuration.tokenTransport }
        guard let transport = TokenTransport(rawValue: asked.trimmingSpaces().lowercased()), transport != .both else {
            throw AccountError.invalidRequest(.transport)
        }
        if transport == .cookie, !configuration.cookie.enabled { throw AccountError.invalidRequest(.transport) }
        return transport
    }

    /// The answer of a route that started a session: the cookie and/or the token in the body and
    /// `Auth-Token`, as `transport` says.
    package func sessionStarted(_ login: Authentication, transport: TokenTransport) throws -> Response {
        var headers = HTTPFields()
        if transport.returnsToken {
            headers[.authToken] = login.token
        }
        if transport.setsCookie, configuration.cookie.enabled {
            headers[.setCookie] = cookie.setting(login.token, lifetime: cookie.lifetime(of: login, now: sessions.options.clock.now()))
        }
        let payload = LoginResponse(
            authToken: transport.returnsToken ? login.token : nil,
            session: SessionPayload(login.session),
            account: AccountPayload(login.account)
        )
        return try JSONPayload.response(payload, headers: headers)
    }

    package struct Caller {
        package var state: GatehouseRequestState
        package var authentication: Authentication
    }

    package func requestState(of context: Context) throws -> GatehouseRequestState {
        // Only missing when the routes are mounted without their middleware.
        guard let state = context.gatehouse else { throw AccountError.invalidConfiguration(.routesWithoutMiddleware) }
        return state
    }

    package func authenticated(_ context: Context) throws -> Caller {
        let state = try requestState(of: context)
        guard let authentication = state.authentication else { throw AccountError.unauthorized }
        return Caller(state: state, authentication: authentication)
    }
}
