import Gatehouse
import Logging
import Metrics
import ServiceLifecycle

/// Delivers the outbox's e-mails: a `Service` that claims due messages, renders and sends them, and
/// marks each sent, due again after a backoff, or failed.
///
/// Messages are written in the same transaction as the change that causes them, so nothing is sent for
/// a change that did not commit; a message is only marked sent after the transport accepted it, so a
/// crash between the two sends it again rather than never (at least once; the `Message-ID` lets a
/// receiver tell). Each claim leases the messages it takes: several servers on one database never send
/// a message at the same time. Log lines name messages by id and kind — never their content, their
/// links or their recipients.
public struct Courier: Service, CustomStringConvertible {
    private let store: any OutboxStore
    private let transport: any MailTransport
    private let renderer: MessageRenderer
    private let policy: RetryPolicy
    private let clock: any WallClock
    private let logger: Logger
    /// How often the outbox is looked at when it had nothing due.
    public let pollInterval: Duration
    /// How long a claimed message is this courier's; past it another courier may send it.
    public let lease: Duration
    /// How many messages one claim takes.
    public let batchSize: Int

    public init(
        store: any OutboxStore,
        transport: any MailTransport,
        renderer: MessageRenderer,
        policy: RetryPolicy = RetryPolicy(),
        clock: any WallClock = SystemWallClock(),
        pollInterval: Duration = .seconds(1),
        lease: Duration = .seconds(120),
        batchSize: Int = 10,
        logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.renderer = renderer
        self.policy = policy
        self.clock = clock
        self.pollInterval = pollInterval
        self.lease = lease
        self.batchSize = max(1, batchSize)
        self.logger = logger
    }

    public var description: String { "Courier" }

    /// Delivers until a graceful shutdown or cancellation; a message being sent when it comes is
    /// finished first.
    public func run() async throws {
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
            channel: .mail,
            limit: batchSize,
            leaseUntil: now.addingTimeInterval(lease.seconds),
            at: now
        )
        for message in messages {
            // Claimed messages left when a shutdown comes are delivered once their lease runs out.
            if Task.isCancelled { break }
            // A delivery under way is finished and recorded even when the courier is being stopped:
            // cancelled halfway, it would be sent but not marked, and sent again later.
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
            let mail: MailMessage
            do {
                mail = try renderer.render(message)
            } catch {
                try await store.markFailed(id: message.id, attempts: attempt, error: "\(error)", at: clock.now())
                Self.count(.failed)
                logger.error("a message could not be rendered; marked failed", metadata: metadata)
                return
            }
            do {
                try await transport.send(mail)
            } catch {
                metadata["gatehouse.error"] = "\(error.reason)"
                if error.isTemporary, attempt < policy.maximumAttempts {
                    let delay = policy.delay(afterAttempt: attempt)
                    let next = clock.now().addingTimeInterval(delay.seconds)
                    try await store.markForRetry(id: message.id, attempts: attempt, nextAttemptAt: next, error: error.reason)
                    Self.count(.retry)
                    metadata["gatehouse.retry_in_s"] = "\(delay.components.seconds)"
                    logger.warning("message not delivered; will try again", metadata: metadata)
                } else {
                    try await store.markFailed(id: message.id, attempts: attempt, error: error.reason, at: clock.now())
                    Self.count(.failed)
                    logger.error("message not delivered; marked failed", metadata: metadata)
                }
                return
            }
            try await store.markSent(id: message.id, at: clock.now())
            Self.count(.sent)
            logger.info("message delivered", metadata: metadata)
        } catch {
            // The outbox could not record the outcome: the lease runs out and the message comes again.
            logger.warning("the outcome of a delivery could not be recorded", metadata: ["gatehouse.message_id": "\(message.id)"])
        }
    }

    /// How a delivery attempt ended, for `gatehouse_mail_deliveries_total{outcome}`.
    enum DeliveryOutcome: String {
        /// The transport accepted the message.
        case sent
        /// A temporary failure; the message is tried again later.
        case retry
        /// A permanent failure, or the last attempt: the message is marked failed.
        case failed
    }

    static func count(_ outcome: DeliveryOutcome) {
        Counter(label: "gatehouse_mail_deliveries_total", dimensions: [("outcome", outcome.rawValue)]).increment()
    }
}
