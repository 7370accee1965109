import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs a service group until SIGTERM or SIGINT, and makes its graceful shutdown finish in bounded
/// time whatever the services are waiting for (a database that stopped answering, say).
///
/// On the first signal the group shuts down gracefully: the server stops accepting, drains the
/// requests in flight, then the store's services close their connections. Past the group's own
/// `maximumGracefulShutdownDuration` it cancels what is still running; past `limit` the process logs what
/// it abandons and exits anyway. Nothing acknowledged is lost either way: a database commit either
/// happened or it did not.
enum ShutdownWatch {
    static func run(_ group: ServiceGroup, limit: Duration, logger: Logger) async throws {
        let signalled = SignalTime()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    let started = ContinuousClock.now
                    signalled.set(started)
                    logger.notice("stopping: graceful shutdown started", metadata: ["gatehouse.signal": "\(signal)"])
                    await group.triggerGracefulShutdown()
                    try await Task.sleep(for: limit)
                    logger.error(
                        "graceful shutdown did not finish in time; exiting without waiting for the rest",
                        metadata: ["gatehouse.waited_ms": "\(milliseconds(since: started))"]
                    )
                    Foundation.exit(0)
                }
            }
            // The group ended, after a signal or on its own: the watch is no longer needed.
            try await tasks.next()
            tasks.cancelAll()
        }
        if let started = signalled.value {
            logger.notice("stopped", metadata: ["gatehouse.shutdown_ms": "\(milliseconds(since: started))"])
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}

/// When the stop signal came, shared by the watch and the code that reports the end.
private final class SignalTime: Sendable {
    private let instant = Mutex<ContinuousClock.Instant?>(nil)

    var value: ContinuousClock.Instant? { instant.withLock { $0 } }

    func set(_ new: ContinuousClock.Instant) { instant.withLock { $0 = new } }
}
