import Gatehouse
import Logging
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
///
/// The claiming, leasing and retrying are the outbox's own `OutboxDispatcher`'s, on the `.mail`
/// channel; attempts are counted in `gatehouse_mail_deliveries_total{outcome=sent|retry|failed}`. A
/// message that cannot be rendered is marked failed without being tried again.
public struct Courier: Service, CustomStringConvertible {
    /// The label of the counter of delivery attempts.
    static let metricsLabel = "gatehouse_mail_deliveries_total"

    private let dispatcher: OutboxDispatcher

    /// - Parameters:
    ///   - store: The outbox.
    ///   - transport: Where rendered messages go.
    ///   - renderer: Turns a message's kind and payload into an e-mail.
    ///   - policy: How often, and how far apart, a temporary failure is tried again.
    ///   - clock: The source of "now" for claims, leases and backoffs.
    ///   - pollInterval: The wait after a look that found nothing due.
    ///   - lease: How long a claimed message is this courier's.
    ///   - batchSize: How many messages one claim takes (at least 1).
    ///   - logger: Receives a line per attempt, naming the message by id and kind.
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
        dispatcher = OutboxDispatcher(
            store: store,
            channel: .mail,
            delivery: MailOutboxDelivery(transport: transport, renderer: renderer),
            policy: policy,
            clock: clock,
            pollInterval: pollInterval,
            lease: lease,
            batchSize: batchSize,
            metricsLabel: Self.metricsLabel,
            logger: logger
        )
    }

    /// How often the outbox is looked at when it had nothing due.
    public var pollInterval: Duration { dispatcher.pollInterval }
    /// How long a claimed message is this courier's; past it another courier may send it.
    public var lease: Duration { dispatcher.lease }
    /// How many messages one claim takes.
    public var batchSize: Int { dispatcher.batchSize }

    /// A short name for service logs.
    public var description: String { "Courier" }

    /// Delivers until a graceful shutdown or cancellation; a message being sent when it comes is
    /// finished first.
    public func run() async throws {
        await dispatcher.run()
    }

    /// Claims one batch of due messages and delivers each; returns how many were handled.
    @discardableResult
    public func deliverDueMessages() async throws -> Int {
        try await dispatcher.deliverDueMessages()
    }
}
