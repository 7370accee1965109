import Gatehouse
import GatehouseMail
import GatehouseSQLite
import GatehouseWebhooks
import Logging
import Prometheus
import ServiceLifecycle

/// The whole of `gatehouse serve` as one service: brings the schema up to date, loads (or on first
/// start generates) the signing keys, then runs the HTTP server with the sweepers, the couriers (e-mail,
/// and webhooks when endpoints are configured) and the key refresher beside it.
///
/// Run it in a `ServiceGroup` after the store's background services, so that the database connections
/// are up before the migrations and still up while the server drains:
///
/// ```swift
/// let opened = try StoreOpener.open(configuration.database, logger: logger)
/// let server = ServerService(configuration: configuration, store: opened, logger: logger)
/// let group = ServiceGroup(configuration: .init(services: opened.store.backgroundServices(logger: logger) + [server], ...))
/// ```
public struct ServerService: Service, CustomStringConvertible {
    public let configuration: ServerConfiguration
    private let opened: OpenedStore
    private let logger: Logger
    private let passwordHasher: any PasswordHasher
    private let metricsRegistry: PrometheusCollectorRegistry?
    private let onServerRunning: @Sendable (ListeningAddress) async -> Void

    /// - Parameters:
    ///   - configuration: What to serve and how.
    ///   - store: The opened store; its service, if any, must run in the same group.
    ///   - logger: The server's logger.
    ///   - passwordHasher: How passwords are hashed (scrypt with Powership's parameters by default).
    ///   - metricsRegistry: The registry the process bootstrapped swift-metrics with; with it and a
    ///     ``ServerConfiguration/metricsAddress``, a ``MetricsEndpoint`` serves it.
    ///   - onServerRunning: Called once the socket is bound, with the actual address.
    public init(
        configuration: ServerConfiguration,
        store: OpenedStore,
        logger: Logger,
        passwordHasher: any PasswordHasher = ScryptPasswordHasher(),
        metricsRegistry: PrometheusCollectorRegistry? = nil,
        onServerRunning: @escaping @Sendable (ListeningAddress) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.opened = store
        self.logger = logger
        self.passwordHasher = passwordHasher
        self.metricsRegistry = metricsRegistry
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let accounts: Accounts
        let services: [any Service]
        do {
            (accounts, services) = try await cancelWhenGracefulShutdown { try await self.prepare() }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // Asked to stop before the server was up: nothing to drain.
            return
        }
        let app = try ServerApplication.make(
            accounts: accounts,
            configuration: configuration,
            logger: logger,
            services: services,
            onServerRunning: onServerRunning
        )
        try await app.run()
    }

    /// Migrates, loads the keys, and builds the accounts layer and the background services.
    func prepare() async throws -> (Accounts, [any Service]) {
        try await opened.migrate()
        logger.info("database ready", metadata: ["gatehouse.database": "\(opened.location)"])
        let store = self.store
        let ring = try await KeyBootstrap.keyRing(
            for: configuration.signingKeys,
            store: store,
            activationDelay: configuration.keyActivationDelay,
            accessTokenLifetime: configuration.accessTokenLifetime,
            auditLog: configuration.auditLog,
            logger: logger
        )
        var options = configuration.accountsOptions(keyRing: ring, logger: logger, passwordHasher: passwordHasher)
        options.totpKeys = try TOTPKeySource.keys(configured: configuration.totpKeys, location: opened.location, logger: logger)
        let accounts = Accounts(store: store, options: options)
        var services: [any Service] = [
            SessionSweeper(store: store, interval: configuration.sweepInterval, retention: configuration.sessionRetention, logger: logger),
            RecordSweeper(store: store, interval: configuration.sweepInterval, auditRetention: configuration.auditRetention, logger: logger),
        ]
        services.append(try courier(store: store))
        if let webhookCourier = webhookCourier(store: store) {
            services.append(webhookCourier)
        }
        if let metricsRegistry, let address = configuration.metricsAddress {
            MetricsEndpoint.recordBuildInfo()
            services.append(MetricsEndpoint(address: address, registry: metricsRegistry, logger: logger))
        }
        if configuration.signingKeys == .database {
            services.append(
                KeyRingRefresher(
                    ring: ring,
                    store: store,
                    interval: configuration.keyRefreshInterval,
                    activationDelay: configuration.keyActivationDelay,
                    accessTokenLifetime: configuration.accessTokenLifetime,
                    logger: logger
                )
            )
        }
        return (accounts, services)
    }

    /// The store the server works on: the opened one, timed operation by operation when metrics are on
    /// (the process has bootstrapped its metrics system by then, so the timers report to it).
    var store: any GatehouseStore {
        metricsRegistry == nil ? opened.store : InstrumentedStore(opened.store)
    }

    /// The courier that delivers the outbox's e-mails to the configured destination.
    func courier(store: (any GatehouseStore)? = nil) throws -> Courier {
        let store = store ?? self.store
        let transport = try configuration.mailDestination.transport(secret: configuration.mailSecret?.value)
        let renderer = try MessageRenderer(templatesDirectory: configuration.templatesDirectory, sender: configuration.mailFrom)
        logger.info(
            "e-mail goes to \(configuration.mailDestination.summary)",
            metadata: ["gatehouse.links": "\(configuration.linkBaseURL)"]
        )
        if configuration.publicURL == nil {
            logger.notice("links in e-mails point to this server's address; set --public-url to the address users reach")
        }
        return Courier(store: store, transport: transport, renderer: renderer, logger: logger)
    }

    /// The courier that posts the outbox's webhooks, signed with the configured secret; `nil` when no
    /// endpoint is configured.
    func webhookCourier(store: (any GatehouseStore)? = nil) -> WebhookCourier? {
        guard !configuration.webhookURLs.isEmpty, let secret = configuration.webhookSecret else { return nil }
        // The endpoints are counted, not listed: a URL may carry a token of the receiver's.
        logger.info("webhooks go to \(configuration.webhookURLs.count) endpoint(s)")
        return WebhookCourier(store: store ?? self.store, secret: secret, policy: configuration.webhookRetryPolicy, logger: logger)
    }

    /// A short name for service logs; the configuration is not spelled out.
    public var description: String { "ServerService(\(configuration.host):\(configuration.port))" }
}
