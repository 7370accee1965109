import Logging
import ServiceLifecycle

import struct Foundation.Date

/// Deletes the throttle state and outbox messages nobody needs any more, so neither table grows for
/// ever: login and message counters whose windows ended, addresses that have not logged in to an account
/// for longer than ``LoginThrottle/Limits/trustedAddressMemory``, and messages sent or given up on more
/// than ``messageRetention`` ago.
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
    private let throttles: any ThrottleStore
    private let outbox: any OutboxStore
    private let clock: any WallClock
    private let logger: Logger

    /// - Parameters:
    ///   - store: Where the throttle state and the outbox live.
    ///   - interval: Time between two sweeps (default 1 hour; at least 1 ms).
    ///   - throttleRetention: Default 31 days.
    ///   - messageRetention: Default 7 days.
    ///   - clock: The wall clock the cut-offs are computed from.
    ///   - logger: Receives one line per sweep that deleted something, and every failure.
    public init(
        store: any ThrottleStore & OutboxStore,
        interval: Duration = .seconds(3_600),
        throttleRetention: Duration = .seconds(31 * 86_400),
        messageRetention: Duration = .seconds(7 * 86_400),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.throttles = store
        self.outbox = store
        self.interval = max(interval, .milliseconds(1))
        self.throttleRetention = max(throttleRetention, .zero)
        self.messageRetention = max(messageRetention, .zero)
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

    /// Deletes once what is past its retention; returns how many throttle entries and messages went.
    @discardableResult
    public func sweepOnce() async throws -> (throttleEntries: Int, messages: Int) {
        let now = clock.now()
        let throttleEntries = try await throttles.deleteThrottleState(endedBefore: now.addingTimeInterval(-throttleRetention.seconds))
        let messages = try await outbox.deleteMessages(endedBefore: now.addingTimeInterval(-messageRetention.seconds))
        if throttleEntries + messages > 0 {
            logger.info("old records deleted", metadata: ["gatehouse.throttle_entries": "\(throttleEntries)", "gatehouse.messages": "\(messages)"])
        }
        return (throttleEntries, messages)
    }

    public var description: String { "RecordSweeper(every \(interval))" }
}
