import Logging
import Metrics
import ServiceLifecycle

/// Works through one channel of the outbox: claims due messages under a lease, hands each to an
/// ``OutboxDelivery``, and marks it sent, due again after the ``RetryPolicy``'s delay, or failed.
///
/// Messages are written in the same transaction as the change that causes them, so nothing goes out for
/// a change that did not commit; a message is only marked sent after the delivery returned, so a crash
/// between the two delivers it again rather than never (at least once; the message id lets a receiver
/// tell). Each claim leases the messages it takes: several servers on one database never deliver a
/// message at the same time. Log lines name messages by id and kind — never their content or
/// recipient.
///
/// Each attempt is counted in the counter named by ``metricsLabel``, with the dimension `outcome`:
/// `sent`, `retry` (a temporary failure, tried again later) or `failed` (a permanent failure, or the
/// last attempt).
///
/// The e-mail and webhook couriers are thin services around one of these.
public struct OutboxDispatcher: Sendable {
    /// The channel whose messages are claimed.
    public let channel: OutboxMessage.Channel
    /// How often the outbox is looked at when it had nothing due.
    public let pollInterval: Duration
    /// How long a claimed message is this dispatcher's; past it another may deliver it.
    public let lease: Duration
    /// How many messages one claim takes.
    public let batchSize: Int
    /// The label of the counter of attempts, such as `gatehouse_mail_deliveries_total`.
    public let metricsLabel: String
    private let store: any OutboxStore
    private let delivery: any OutboxDelivery
    private let policy: RetryPolicy
    private let clock: any WallClock
    private let metricsFactory: (any MetricsFactory)?
    private let logger: Logger

    /// - Parameters:
    ///   - store: The outbox.
    ///   - channel: The channel whose messages this dispatcher delivers.
    ///   - delivery: What delivering one message means on that channel.
    ///   - policy: How often, and how far apart, a temporary failure is tried again.
    ///   - clock: The source of "now" for claims, leases, backoffs and the dates recorded.
    ///   - pollInterval: The wait after a look that found nothing due.
    ///   - lease: How long a claimed message is this dispatcher's; make it longer than a delivery takes.
    ///   - batchSize: How many messages one claim takes (at least 1).
    ///   - metricsLabel: The label of the counter of attempts.
    ///   - metricsFactory: Where the counter reports; `nil` for the process's bootstrapped metrics
    ///     system.
    ///   - logger: Receives a line per attempt, naming the message by id and kind.
    public init(
        store: any OutboxStore,
        channel: OutboxMessage.Channel,
        delivery: any OutboxDelivery,
        policy: RetryPolicy = RetryPolicy(),
        clock: any WallClock = SystemWallClock(),
        pollInterval: Duration = .seconds(1),
        lease: Duration = .seconds(120),
        batchSize: Int = 10,
        metricsLabel: String,
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger
    ) {
        self.store = store
        self.channel = channel
        self.delivery = delivery
        self.policy = policy
        self.clock = clock
        self.pollInterval = pollInterval
        self.lease = lease
        self.batchSize = max(1, batchSize)
        self.metricsLabel = metricsLabel
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    /// Delivers until a graceful shutdown or cancellation; a message being delivered when it comes is
    /// finished and recorded first.
    public func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let handled: Int
                do {
                    handled = try await deliverDueMessages()
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("the outbox could not be read; trying again", metadata: ["gatehouse.error": "\(error)"])
                    handled = 0
                }
                if handled == 0 {
                    do { try await Task.sleep(for: pollInterval) } catch { return }
                }
            }
        }
    }

    /// Claims one batch of due messages and delivers each; returns how many were handled.
    @discardableResult
    public func deliverDueMessages() async throws -> Int {
        let now = clock.now()
        let messages = try await store.claimMessages(
            channel: channel,
            limit: batchSize,
            leaseUntil: now.addingTimeInterval(lease.seconds),
            at: now
        )
        for message in messages {
            // Claimed messages left when a shutdown comes are delivered once their lease runs out.
            if Task.isCancelled { break }
            // A delivery under way is finished and recorded even when the dispatcher is being stopped:
            // cancelled halfway, it would go out but not be marked, and go out again later.
            await Task { await deliver(message) }.value
        }
        return messages.count
    }

    private func deliver(_ message: OutboxMessage) async {
        let attempt = message.attempts + 1
        var metadata: Logger.Metadata = [
            "gatehouse.message_id": "\(message.id)", "gatehouse.message_kind": "\(message.kind)", "gatehouse.attempt": "\(attempt)",
        ]
        do {
            do {
                try await delivery.deliver(message)
            } catch {
                metadata["gatehouse.error"] = "\(error.reason)"
                if error.isTemporary, attempt < policy.maximumAttempts {
                    let delay = policy.delay(afterAttempt: attempt)
                    let next = clock.now().addingTimeInterval(delay.seconds)
                    try await store.markForRetry(id: message.id, attempts: attempt, nextAttemptAt: next, error: error.reason)
                    count(.retry)
                    metadata["gatehouse.retry_in_s"] = "\(delay.components.seconds)"
                    logger.warning("message not delivered; will try again", metadata: metadata)
                } else {
                    try await store.markFailed(id: message.id, attempts: attempt, error: error.reason, at: clock.now())
                    count(.failed)
                    logger.error("message not delivered; marked failed", metadata: metadata)
                }
                return
            }
            try await store.markSent(id: message.id, at: clock.now())
            count(.sent)
            logger.info("message delivered", metadata: metadata)
        } catch {
            // The outbox could not record the outcome: the lease runs out and the message comes again.
            logger.warning("the outcome of a delivery could not be recorded", metadata: ["gatehouse.message_id": "\(message.id)"])
        }
    }

    /// How a delivery attempt ended, for the `outcome` dimension of the counter.
    enum Outcome: String {
        /// The receiver accepted the message.
        case sent
        /// A temporary failure; the message is tried again later.
        case retry
        /// A permanent failure, or the last attempt: the message is marked failed.
        case failed
    }

    private func count(_ outcome: Outcome) {
        // The bootstrapped system is looked up at each count, not at initialisation: a dispatcher made
        // before the process bootstrapped its metrics still reports to them.
        Counter(label: metricsLabel, dimensions: [("outcome", outcome.rawValue)], factory: metricsFactory ?? MetricsSystem.factory).increment()
    }
}
