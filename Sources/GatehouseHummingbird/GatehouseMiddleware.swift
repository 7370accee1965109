import Gatehouse
import HTTPTypes
import Hummingbird
import Logging

/// Authenticates every request with Gatehouse and hands the client its renewed token.
///
/// For each request it
/// 1. takes the token from `Authorization: Bearer <token>` or, failing that, from the session cookie;
/// 2. for a cookie-authenticated, state-changing request, applies the CSRF rule described on
///    ``GatehouseHTTPConfiguration`` (`403 CSRFRejected`);
/// 3. calls `Sessions.authenticate(token:client:forceRenewal:logger:)` with the client's IP address and
///    `User-Agent`, and puts the returned ``GatehouseRequestState`` on the context (a request without a
///    token passes through with no account; an invalid, expired or stolen token is answered at once);
/// 4. after the route, hands over a renewed token the way the request presented its own: in a new
///    cookie when it came with the cookie (never in a header or body a script could read), in
///    `Auth-Token: <new token>` when it came as a bearer token; or clears the cookie when the route ended
///    the session. A request accepted within the grace period keeps its token and gets no header.
///
/// `GET /health` is never authenticated. Put the middleware in front of your own routes:
/// ```swift
/// let router = Router(context: GatehouseRequestContext.self)
/// router.add(middleware: GatehouseMiddleware(accounts: accounts))
/// router.get("/profile") { _, context in
///     guard let account = context.account else { throw GatehouseHTTPError(AccountError.unauthorized) }
///     return account.username
/// }
/// ```
/// It logs through each request's own logger (`context.logger`), so Hummingbird's request id is on
/// every line.
public struct GatehouseMiddleware<Context: GatehouseRequestContextProtocol>: RouterMiddleware {
    /// The accounts (and sessions) requests are authenticated against.
    public let accounts: Accounts
    /// Cookie, CSRF and proxy settings.
    public let configuration: GatehouseHTTPConfiguration
    private let cookie: SessionCookie
    private let csrf: CSRFCheck
    private let checksCrossSiteRequests: Bool
    private let toleratesStaleCookie: Bool

    /// A middleware authenticating against `accounts`.
    public init(accounts: Accounts, configuration: GatehouseHTTPConfiguration = GatehouseHTTPConfiguration()) {
        self.init(accounts: accounts, configuration: configuration, checksCrossSiteRequests: true)
    }

    /// A middleware for routes that defend against cross-site requests themselves: HTML forms carry a
    /// CSRF token of their own, and a page that sends no referrer makes the browser send `Origin: null`.
    ///
    /// With `toleratesStaleCookie`, for routes that log people in, a session cookie that no longer
    /// authenticates anyone leaves the request unauthenticated (and is cleared with the answer) instead
    /// of refusing it: a browser coming back from an identity provider must not fail for an old cookie.
    package init(
        accounts: Accounts,
        configuration: GatehouseHTTPConfiguration,
        checksCrossSiteRequests: Bool,
        toleratesStaleCookie: Bool = false
    ) {
        self.accounts = accounts
        self.configuration = configuration
        self.cookie = SessionCookie(configuration: configuration)
        self.csrf = CSRFCheck(configuration: configuration)
        self.checksCrossSiteRequests = checksCrossSiteRequests
        self.toleratesStaleCookie = toleratesStaleCookie
    }

    /// Authenticates `request`, runs `next` with the outcome on the context, and adds the token
    /// headers to whatever `next` answers (its errors included).
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Mounted twice (around a router and again around its routes): the outer one already did the work.
        if context.gatehouse != nil { return try await next(request, context) }
        if request.method == .get || request.method == .head, request.uri.path == "/health" {
            return try await next(request, context)
        }

        let presented: PresentedToken?
        do {
            presented = try PresentedToken.find(in: request, cookieName: configuration.cookie.enabled ? configuration.cookie.name : nil)
        } catch {
            throw rejection(error, cookieSent: !request.headers.contains(.authorization) && hasSessionCookie(request))
        }
        if checksCrossSiteRequests, presented?.source == .cookie, CSRFCheck.isStateChanging(request.method) {
            do {
                try csrf.verify(request)
            } catch {
                context.logger.info(
                    "cross-site request rejected",
                    metadata: ["gatehouse.error": "\(error.code)", "gatehouse.method": "\(request.method)"]
                )
                throw GatehouseHTTPError(error)
            }
        }

        let client = ConnectionInfo(
            ip: ClientAddress.resolve(
                headers: request.headers,
                remoteAddress: context.remoteAddress,
                trustedProxies: configuration.trustedProxies
            ),
            userAgent: request.headers.combinedValue(of: .userAgent) ?? ""
        )
        var authentication: Authentication?
        var credential = presented?.source
        var staleCookie = false
        do {
            // What authentication records (a theft detected) names the client itself.
            authentication = try await accounts.sessions.authenticate(token: presented?.token, client: client, logger: context.logger)
        } catch {
            let failure = rejection(error, cookieSent: presented?.source == .cookie)
            guard toleratesStaleCookie, presented?.source == .cookie, failure.status.code < 500 else { throw failure }
            authentication = nil
            credential = nil
            staleCookie = true
        }

        let state = GatehouseRequestState(authentication: authentication, client: client, credential: credential)
        var context = context
        context.gatehouse = state
        let response: Response
        do {
            // Audit events recorded while the route runs (a logout, a password change) name this
            // client and the session it came with.
            response = try await AuditContext.$current.withValue(AuditContext(client: client, sessionID: authentication?.session.id)) {
                try await next(request, context)
            }
        } catch {
            var headers = tokenHeaders(for: state, alreadySet: [:])
            if staleCookie, configuration.cookie.enabled, !cookie.isSet(in: headers) {
                headers.append(HTTPField(name: .setCookie, value: cookie.clearing))
            }
            if headers.isEmpty { throw error }
            headers[.cacheControl] = "no-store"
            throw HeaderAddingError(underlying: error, headers: headers)
        }
        var edited = response
        edited.headers.append(contentsOf: tokenHeaders(for: state, alreadySet: response.headers))
        if staleCookie, configuration.cookie.enabled, !cookie.isSet(in: edited.headers) {
            edited.headers.append(HTTPField(name: .setCookie, value: cookie.clearing))
        }
        // A response that hands over a token must not be kept by any cache on the way (RFC 9111: a
        // shared cache could serve it to someone else; a browser could keep it on disk), whatever
        // caching the route itself chose for its content.
        if edited.headers.contains(.authToken) || cookie.isSet(in: edited.headers) {
            edited.headers[.cacheControl] = "no-store"
        }
        return edited
    }

    /// The headers that deliver the request's outcome: the renewed token (and cookie), or the cleared
    /// cookie once the session was ended.
    private func tokenHeaders(for state: GatehouseRequestState, alreadySet: HTTPFields) -> HTTPFields {
        var headers = HTTPFields()
        let cookieHandled = cookie.isSet(in: alreadySet)
        switch state.outcome {
        case .tokensDelivered:
            return headers
        case .sessionEnded:
            if configuration.cookie.enabled, !cookieHandled {
                headers[.setCookie] = cookie.clearing
            }
            return headers
        case .unchanged:
            break
        }
        guard let authentication = state.authentication, authentication.isRenewed else { return headers }
        if state.credential == .cookie {
            // A cookie session's token stays out of anything a script can read.
            if configuration.cookie.enabled, !cookieHandled {
                headers[.setCookie] = cookie.setting(
                    authentication.token,
                    lifetime: cookie.lifetime(of: authentication, now: accounts.options.sessions.clock.now())
                )
            }
        } else if !alreadySet.contains(.authToken) {
            headers[.authToken] = authentication.token
        }
        return headers
    }

    private func hasSessionCookie(_ request: Request) -> Bool {
        configuration.cookie.enabled && PresentedToken.cookieValue(named: configuration.cookie.name, in: request.headers) != nil
    }

    /// The HTTP error for a failed authentication. A cookie that no longer authenticates anyone is
    /// cleared, so the browser stops presenting it and the next login starts clean: that is every
    /// refusal of the token itself — `401`s, but also `404 SessionNotFound` once the session row was
    /// swept and `403 UserDeactivated` — and not a store failure (`5xx`), after which the same cookie
    /// may work again.
    private func rejection(_ error: any Error, cookieSent: Bool) -> GatehouseHTTPError {
        var failure = GatehouseHTTPError(error)
        if cookieSent, configuration.cookie.enabled, failure.status.code < 500 {
            failure.headers.append(HTTPField(name: .setCookie, value: cookie.clearing))
        }
        return failure
    }
}
