import Gatehouse
import GatehouseHummingbird
import Hummingbird

/// Adds login with OpenID Connect providers and the account's linked identities to a router that
/// serves the Gatehouse API (see `addGatehouseRoutes`):
///
/// | route | answer |
/// |---|---|
/// | `GET /v1/oidc/{provider}/start?return_to=…` | `303` to the provider; the login's state in an `HttpOnly` cookie |
/// | `GET\|POST /v1/oidc/{provider}/callback` | `303` to `return_to`, logged in (the session cookie) |
/// | `POST /v1/oidc/{provider}/token` | an app's own ID token, answered like `POST /v1/login` |
/// | `GET /v1/identities` | `{"identities":[…]}` |
/// | `POST /v1/identities/{provider}` | `201 {"identity"}` for an ID token in the body; without a body, `303` to the provider to link |
/// | `DELETE /v1/identities/{id}` | `204`; never the account's last way to log in |
public func addIdentityProviderRoutes<Routes: RouterMethods>(
    to routes: Routes,
    accounts: Accounts,
    providers: [IdentityProvider],
    settings: IdentityProviderRouteSettings,
    configuration: GatehouseHTTPConfiguration = GatehouseHTTPConfiguration()
) where Routes.Context: GatehouseRequestContextProtocol {
    let handlers = IdentityProviderHandlers<Routes.Context>(
        gatehouse: GatehouseRouteHandlers(accounts: accounts, configuration: configuration),
        providers: Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
        settings: settings
    )
    // The browser flow logs people in: an old session cookie must not stop it. The callback is checked
    // by its state cookie, not by the session's, so the cross-site post of a form_post provider (Apple)
    // is no cross-site request to refuse.
    routes.group("/v1/oidc")
        .add(
            middleware: GatehouseMiddleware<Routes.Context>(
                accounts: accounts,
                configuration: configuration,
                checksCrossSiteRequests: false,
                toleratesStaleCookie: true
            )
        )
        .get("/{provider}/start", use: handlers.start)
        .get("/{provider}/callback", use: handlers.callback)
        .post("/{provider}/callback", use: handlers.callback)
    routes.group("/v1")
        .add(middleware: GatehouseMiddleware<Routes.Context>(accounts: accounts, configuration: configuration))
        .post("/oidc/{provider}/token", use: handlers.token)
        .get("/identities", use: handlers.list)
        // One parameter name for both: the router tells routes apart by path before method.
        .post("/identities/{id}", use: handlers.link)
        .delete("/identities/{id}", use: handlers.unlink)
}
