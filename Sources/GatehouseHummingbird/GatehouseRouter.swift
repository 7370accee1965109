import Gatehouse
import Hummingbird
import Logging

/// A router serving the whole Gatehouse API — `GET /health` and the `/v1` routes — with JSON errors,
/// response metrics and, when configured, CORS.
///
/// ```swift
/// let router = makeGatehouseRouter(accounts: accounts, logger: logger)   // logger: unexpected failures
/// let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
public func makeGatehouseRouter(
    accounts: Accounts,
    configuration: GatehouseHTTPConfiguration = GatehouseHTTPConfiguration(),
    logger: Logger
) -> Router<GatehouseRequestContext> {
    let router = Router(context: GatehouseRequestContext.self)
    if let cors = configuration.cors {
        router.add(middleware: CORSAllowlistMiddleware(settings: cors, csrfHeaderName: configuration.csrfHeaderName))
    }
    router.add(middleware: GatehouseErrorMiddleware(logger: logger))
    addGatehouseRoutes(to: router, accounts: accounts, configuration: configuration)
    return router
}

/// Adds the Gatehouse API to an existing router or route group:
///
/// | route | answer |
/// |---|---|
/// | `GET /health` | `{"status":"ok"}`; never looks at tokens |
/// | `GET /.well-known/jwks.json` | `{"keys":[…]}`: the public keys of access tokens |
/// | `POST /v1/accounts` | `201 {"account"}` |
/// | `POST /v1/login` | `{"authToken","session","account"}` and the cookie |
/// | `GET /v1/me` | `{"account","session"}` |
/// | `POST /v1/refresh` | `{"authToken"}` |
/// | `POST /v1/logout` | `{"ok":true}` |
/// | `GET /v1/sessions` | `{"sessions":[…]}` |
/// | `DELETE /v1/sessions/{id}` | `{"invalidated":1}` |
/// | `DELETE /v1/sessions[?except=current]` | `{"invalidated":n}` |
/// | `POST /v1/verification` | `202 {"ok":true}`: a verification message |
/// | `POST /v1/verification/confirm` | `{"account"}` |
/// | `POST /v1/recovery` | `202 {"ok":true}`, whether or not an account has the address |
/// | `POST /v1/recovery/confirm` | `{"ok":true}` |
/// | `POST /v1/password` | `{"authToken","expiresAt"}` |
/// | `POST /v1/email` | `202 {"ok":true}` |
/// | `DELETE /v1/accounts/me` | `{"ok":true}` |
/// | `POST /v1/passkeys/registration/options` | WebAuthn creation options (JSON form) |
/// | `POST /v1/passkeys/registration` | `201 {"passkey"}` |
/// | `POST /v1/passkeys/authentication/options` | WebAuthn request options (JSON form) |
/// | `POST /v1/passkeys/authentication` | like `POST /v1/login` |
/// | `GET /v1/passkeys` | `{"passkeys":[…]}` |
/// | `DELETE /v1/passkeys/{id}` | `{"ok":true}` |
/// | `POST /v1/token` | `{"accessToken","expiresAt"}`: an Ed25519 access token for other services |
///
/// The `/v1` routes run behind a ``GatehouseMiddleware`` (one already in front of `routes` is reused,
/// not run twice). Errors are ``GatehouseHTTPError``s; add ``GatehouseErrorMiddleware`` to the router
/// first to give every other error the same JSON shape and to count responses.
public func addGatehouseRoutes<Routes: RouterMethods>(
    to routes: Routes,
    accounts: Accounts,
    configuration: GatehouseHTTPConfiguration = GatehouseHTTPConfiguration()
) where Routes.Context: GatehouseRequestContextProtocol {
    let handlers = GatehouseRouteHandlers<Routes.Context>(accounts: accounts, configuration: configuration)
    routes.get("/health", use: handlers.health)
    routes.get("/.well-known/jwks.json", use: handlers.keySet)
    routes.group("/v1")
        .add(middleware: GatehouseMiddleware<Routes.Context>(accounts: accounts, configuration: configuration))
        .post("/accounts", use: handlers.createAccount)
        .post("/login", use: handlers.login)
        .get("/me", use: handlers.me)
        .post("/refresh", use: handlers.refresh)
        .post("/logout", use: handlers.logout)
        .get("/sessions", use: handlers.listSessions)
        .get("/activity", use: handlers.activity)
        .delete("/sessions/{id}", use: handlers.deleteSession)
        .delete("/sessions", use: handlers.deleteSessions)
        .post("/verification", use: handlers.requestVerification)
        .post("/verification/confirm", use: handlers.confirmVerification)
        .post("/recovery", use: handlers.requestRecovery)
        .post("/recovery/confirm", use: handlers.confirmRecovery)
        .post("/password", use: handlers.changePassword)
        .post("/email", use: handlers.requestEmailChange)
        .delete("/accounts/me", use: handlers.deleteAccount)
        .post("/reauthenticate", use: handlers.reauthenticate)
        .post("/login/second-factor", use: handlers.completeLogIn)
        .post("/totp", use: handlers.beginTOTPEnrolment)
        .post("/totp/confirm", use: handlers.confirmTOTP)
        .delete("/totp", use: handlers.disableTOTP)
        .post("/passkeys/registration/options", use: handlers.passkeyRegistrationOptions)
        .post("/passkeys/registration", use: handlers.registerPasskey)
        .post("/passkeys/authentication/options", use: handlers.passkeyAuthenticationOptions)
        .post("/passkeys/authentication", use: handlers.logInWithPasskey)
        .get("/passkeys", use: handlers.listPasskeys)
        .delete("/passkeys/{id}", use: handlers.removePasskey)
        .post("/token", use: handlers.accessToken)
}
