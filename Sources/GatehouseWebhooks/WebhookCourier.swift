import AsyncHTTPClient
import Gatehouse
import Logging
import Metrics
import ServiceLifecycle

/// Delivers the outbox's webhooks: a `Service` that claims due messages of the `.webhook` channel,
/// signs and posts each to the endpoint it names, and marks it sent, due again after a backoff, or
/// failed.
///
/// The claiming, leasing and retrying are the outbox's own `OutboxDispatcher`'s — the same as for
/// e-mail — so several servers on one database never post a message at the same time, and a crash
/// between a delivery and its record posts it again rather than never (at least once; `webhook-id`
/// lets the receiver tell). Attempts are counted in
/// `gatehouse_webhook_deliveries_total{outcome=sent|retry|failed}`. Log lines name messages by id and
/// kind — the event type — never their payload or the secret.
///
/// The courier makes its `HTTPClient` when it starts running and shuts it down when it stops.
///
/// ```swift
/// let courier = WebhookCourier(store: store, secret: try WebhookSecret(secretText), logger: logger)
/// // Run `courier` in the application's ServiceGroup, next to the HTTP server.
/// ```
public struct WebhookCourier: Service, CustomStringConvertible {
    /// The label of the counter of delivery attempts.
    static let metricsLabel = "gatehouse_webhook_deliveries_total"

    /// How often the outbox is looked at when it had nothing due.
    public let pollInterval: Duration
    /// How long a claimed message is this courier's; past it another courier may post it.
    public let lease: Duration
    /// How many messages one claim takes.
    public let batchSize: Int
    /// How long one attempt may take.
    public let timeout: Duration
    private let store: any OutboxStore
    private let signer: WebhookSigner
    private let policy: RetryPolicy
    private let clock: any WallClock
    private let metricsFactory: (any MetricsFactory)?
    private let logger: Logger

    /// - Parameters:
    ///   - store: The outbox.
    ///   - secret: The key every request is signed with.
    ///   - policy: How often, and how far apart, a failed attempt is tried again.
    ///   - clock: The source of "now" for claims, leases, backoffs and `webhook-timestamp`.
    ///   - pollInterval: The wait after a look that found nothing due.
    ///   - lease: How long a claimed message is this courier's; longer than ``timeout``.
    ///   - batchSize: How many messages one claim takes (at least 1).
    ///   - timeout: How long one attempt may take.
    ///   - metricsFactory: Where the counter of attempts reports; `nil` for the process's bootstrapped
    ///     metrics system.
    ///   - logger: Receives a line per attempt, naming the message by id and kind.
    public init(
        store: any OutboxStore,
        secret: WebhookSecret,
        policy: RetryPolicy = RetryPolicy(),
        clock: any WallClock = SystemWallClock(),
        pollInterval: Duration = .seconds(1),
        lease: Duration = .seconds(120),
        batchSize: Int = 10,
        timeout: Duration = WebhookDelivery.defaultTimeout,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger
    ) {
        self.store = store
        self.signer = WebhookSigner(secret: secret)
        self.policy = policy
        self.clock = clock
        self.pollInterval = pollInterval
        self.lease = lease
        self.batchSize = max(1, batchSize)
        self.timeout = timeout
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    /// A short name for service logs.
    public var description: String { "WebhookCourier" }

    /// Delivers until a graceful shutdown or cancellation — a request under way when it comes is
    /// finished and recorded first — then shuts the HTTP client down.
    public func run() async throws {
        // Made here rather than at initialisation: a client must be shut down, and only a running
        // courier knows when it stops.
        let client = WebhookDelivery.makeHTTPClient(timeout: timeout)
        await dispatcher(using: client).run()
        try await client.shutdown()
    }

    /// The dispatcher this courier runs, posting through `httpClient`: to deliver a batch by hand
    /// with `deliverDueMessages()`, with a client the caller shuts down.
    public func dispatcher(using httpClient: HTTPClient) -> OutboxDispatcher {
        OutboxDispatcher(
            store: store,
            channel: .webhook,
            delivery: WebhookDelivery(signer: signer, httpClient: httpClient, clock: clock, timeout: timeout),
            policy: policy,
            clock: clock,
            pollInterval: pollInterval,
            lease: lease,
            batchSize: batchSize,
            metricsLabel: Self.metricsLabel,
            metricsFactory: metricsFactory,
            logger: logger
        )
    }
}
