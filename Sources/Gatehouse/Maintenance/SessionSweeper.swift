import Logging
import Metrics
import ServiceLifecycle

import struct Foundation.Date

/// Deletes sessions that ended a while ago, so the session table does not grow for ever.
///
/// Run it in a `ServiceGroup` next to the server. Every ``interval`` it asks the store to delete the
/// sessions that ended (logged out, revoked, or past their absolute lifetime) more than
/// ``retention`` ago; recently ended sessions stay, so a user's device list and an administrator's
/// `sessions list --all` can still show why a session ended. A failed sweep is logged and retried at
/// the next interval: a database hiccup must not bring the server down.
///
/// ```swift
/// let sweeper = SessionSweeper(store: store, logger: logger)
/// let group = ServiceGroup(services: [sweeper, app], gracefulShutdownSignals: [.sigterm], logger: logger)
/// ```
public struct SessionSweeper: Service, CustomStringConvertible {
    /// Time between two sweeps. The first sweep runs one interval after start.
    public let interval: Duration
    /// How long an ended session is kept before it is deleted.
    public let retention: Duration
    private let store: any SessionStore
    private let clock: any WallClock
    private let logger: Logger

    /// - Parameters:
    ///   - store: Where the sessions live.
    ///   - interval: Time between two sweeps (default 1 hour; at least 1 ms).
    ///   - retention: How long ended sessions are kept (default 7 days; negative counts as zero).
    ///   - clock: The wall clock that decides what "ended before" means; the store's dates come from
    ///     the same kind of clock.
    ///   - logger: Receives one line per sweep that deleted something, and every failure.
    public init(
        store: any SessionStore,
        interval: Duration = .seconds(3_600),
        retention: Duration = .seconds(7 * 86_400),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.store = store
        self.interval = max(interval, .milliseconds(1))
        self.retention = max(retention, .zero)
        self.clock = clock
        self.logger = logger
    }

    /// Sweeps every ``interval`` until the task is cancelled or a graceful shutdown begins; a sweep in
    /// progress at shutdown is cancelled (it is a single delete, so nothing is left half done).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await repeatUntilCancelled(every: interval, logger: logger, failureMessage: "session sweep failed; retrying at the next interval") {
                try await sweepOnce()
            }
        }
    }

    /// Deletes the sessions that ended before `now - retention` once, and returns how many went.
    /// Throws what the store throws.
    @discardableResult
    public func sweepOnce() async throws -> Int {
        let cutoff = clock.now().addingTimeInterval(-retention.seconds)
        let count = try await store.deleteSessions(endedBefore: cutoff)
        if count > 0 {
            Counter(label: "gatehouse_sessions_swept_total").increment(by: count)
            logger.info("ended sessions deleted", metadata: ["gatehouse.count": "\(count)"])
        } else {
            logger.debug("no ended sessions to delete")
        }
        return count
    }

    public var description: String { "SessionSweeper(every \(interval), retention \(retention))" }
}
