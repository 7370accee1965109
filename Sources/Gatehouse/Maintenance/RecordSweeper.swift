import Logging
import ServiceLifecycle

import struct Foundation.Date

/// Deletes the throttle state, outbox messages and audit events nobody needs any more, so no table
/// grows for ever: login and message counters whose windows ended, addresses that have not logged in to
/// an account for longer than ``LoginThrottle/Limits/trustedAddressMemory``, messages sent or given up
/// on more than ``messageRetention`` ago, and audit events older than ``auditRetention``.
///
/// Run it in a `ServiceGroup` next to the server, like ``SessionSweeper``. A failed sweep is logged and
/// retried at the next interval.
public struct RecordSweeper: Service, CustomStringConvertible {
    /// Time between two sweeps. The first sweep runs one interval after start.
    public let interval: Duration
    /// How long throttle state is kept after its window ended or the address was last seen; keep it
    /// longer than ``LoginThrottle/Limits/trustedAddressMemory``, or trusted addresses are forgotten early.
    public let throttleRetention: Duration
    /// How long a sent or failed message stays listed by `gatehouse mail list`.
    public let messageRetention: Duration
    /// How long an audit event is kept.
    public let auditRetention: Duration
    private let throttles: any ThrottleStore
    private let outbox: any OutboxStore
    private let audit: any AuditStore
    private let clock: any WallClock
    private let logger: Logger

    /// - Parameters:
    ///   - store: Where the throttle state, the outbox and the audit events live.
    ///   - interval: Time between two sweeps (default 1 hour; at least 1 ms).
    ///   - throttleRetention: Default 31 days.
    ///   - messageRetention: Default 7 days.
    ///   - auditRetention: Default 90 days.
    ///   - clock: The wall clock the cut-offs are computed from.
    ///   - logger: Receives one line per sweep that deleted something, and every failure.
    public init(
        store: any ThrottleStore & OutboxStore & AuditStore,
        interval: Duration = .seconds(3_600),
        throttleRetention: Duration = .seconds(31 * 86_400),
        messageRetention: Duration = .seconds(7 * 86_400),
        auditRetention: Duration = .seconds(90 * 86_400),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.throttles = store
        self.outbox = store
        self.audit = store
        self.interval = max(interval, .milliseconds(1))
        self.throttleRetention = max(throttleRetention, .zero)
        self.messageRetention = max(messageRetention, .zero)
        self.auditRetention = max(auditRetention, .zero)
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await repeatUntilCancelled(every: interval, logger: logger, failureMessage: "record sweep failed; retrying at the next interval") {
                try await sweepOnce()
            }
        }
    }

    /// Deletes once what is past its retention; returns how many throttle entries, messages and audit
    /// events went.
    @discardableResult
    public func sweepOnce() async throws -> (throttleEntries: Int, messages: Int, auditEvents: Int) {
        let now = clock.now()
        let throttleEntries = try await throttles.deleteThrottleState(endedBefore: now.addingTimeInterval(-throttleRetention.seconds))
        let messages = try await outbox.deleteMessages(endedBefore: now.addingTimeInterval(-messageRetention.seconds))
        let auditEvents = try await audit.deleteAuditEvents(before: now.addingTimeInterval(-auditRetention.seconds))
        if throttleEntries + messages + auditEvents > 0 {
            logger.info(
                "old records deleted",
                metadata: [
                    "gatehouse.throttle_entries": "\(throttleEntries)", "gatehouse.messages": "\(messages)",
                    "gatehouse.audit_events": "\(auditEvents)",
                ]
            )
        }
        return (throttleEntries, messages, auditEvents)
    }

    public var description: String { "RecordSweeper(every \(interval))" }
}
