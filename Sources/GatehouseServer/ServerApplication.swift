import Gatehouse
import GatehouseHummingbird
import GatehouseOIDC
import GatehouseUI
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the Hummingbird application that `gatehouse serve` runs: the Gatehouse router (and the
/// account pages unless they are off) on the configured address, with any extra services (the session sweeper, the key refresher) run and shut
/// down with it.
public enum ServerApplication {
    /// The application type `gatehouse serve` runs.
    public typealias App = Application<RouterResponder<GatehouseRequestContext>>

    /// - Parameters:
    ///   - accounts: The accounts layer the routes use.
    ///   - configuration: Address and HTTP settings.
    ///   - logger: The server's logger.
    ///   - services: Services to run alongside the HTTP server, in the application's own group.
    ///   - onServerRunning: Called once the socket is bound, with the actual address.
    public static func make(
        accounts: Accounts,
        configuration: ServerConfiguration,
        logger: Logger,
        services: [any Service] = [],
        onServerRunning: @escaping @Sendable (ListeningAddress) async -> Void = { _ in }
    ) throws -> App {
        let router = try makeRouter(accounts: accounts, configuration: configuration, logger: logger)
        let host = configuration.host
        let requestedPort = configuration.port
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: requestedPort)),
            services: services,
            onServerRunning: { channel in
                await onServerRunning(ListeningAddress(host: host, port: channel.localAddress?.port ?? requestedPort))
            },
            logger: logger
        )
    }

    /// The router of ``make(accounts:configuration:logger:services:onServerRunning:)``: the Gatehouse
    /// routes, the account pages unless they are off, and `GET /openapi.json`.
    static func makeRouter(accounts: Accounts, configuration: ServerConfiguration, logger: Logger) throws -> Router<GatehouseRequestContext> {
        let router = makeGatehouseRouter(accounts: accounts, configuration: configuration.httpConfiguration, logger: logger)
        if let pages = configuration.accountPages {
            try addAccountPages(to: router, accounts: accounts, http: configuration.httpConfiguration, configuration: pages)
        }
        // Served with no provider too: an account's identities can be listed and unlinked whatever the
        // configuration says now, and an unknown provider is a typed 404.
        do {
            let clock = accounts.sessions.options.clock
            let providers = try configuration.identityProviders.map { IdentityProvider(configuration: try $0.configuration(), clock: clock) }
            addIdentityProviderRoutes(
                to: router,
                accounts: accounts,
                providers: providers,
                settings: IdentityProviderRouteSettings(
                    externalURL: configuration.browserBaseURL,
                    returnOrigins: configuration.corsOrigins,
                    tokenVault: try configuration.providerTokenKeys.map {
                        ProviderTokenVault(keys: try ProviderTokenKey.parseList($0.value), store: accounts.store)
                    }
                ),
                configuration: configuration.httpConfiguration
            )
        }
        // Built once: every answer shares the same bytes.
        let document = ByteBuffer(string: OpenAPIDocument.json)
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: ResponseBody(byteBuffer: document)
            )
        }
        return router
    }
}
