import PostgresNIO
import Synchronization

/// The connection an operation holds, if any, so that an operation abandoned by its caller can be
/// stopped: one that has no connection yet never starts, and one stuck on a query long after its
/// caller gave up has its connection closed, which fails the query.
///
/// A connection is only handed back to the pool once a close in progress has completed, so the pool
/// never leases out a connection that is closing: a query written to such a connection is never
/// answered, not even with an error.
final class LeasedConnection: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var heldSince: ContinuousClock.Instant?
        var abandoned = false
        var closing = false
        var releaseWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// What ``closeIfSettled(after:)`` did.
    enum CloseOutcome {
        /// The held connection was closed.
        case closed
        /// No connection is held: the operation has not got one, or has already let it go.
        case nothingHeld
        /// The connection was leased too recently to be closed safely; try again shortly.
        case tooRecent
    }

    private let state = Mutex(State())

    /// Takes `connection` for the operation; `false` when its caller has already given up, and then
    /// the operation must not run.
    func hold(_ connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard !state.abandoned else { return false }
            state.connection = connection
            state.heldSince = .now
            return true
        }
    }

    /// Lets the connection go, once any close of it has completed.
    func release() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                state.connection = nil
                state.heldSince = nil
                guard state.closing else { return true }
                state.releaseWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The caller stopped waiting: from now on the operation does not start.
    func abandon() {
        state.withLock { $0.abandoned = true }
    }

    /// Closes the held connection and waits for the close to complete, unless the connection was leased
    /// less than `settle` ago: a close issued the very moment a connection is leased can overtake the
    /// operation's first query, which then is never answered.
    func closeIfSettled(after settle: Duration) async -> CloseOutcome {
        let outcome: (CloseOutcome, PostgresConnection?) = state.withLock { state in
            guard let connection = state.connection, let since = state.heldSince else { return (.nothingHeld, nil) }
            guard ContinuousClock.now - since >= settle else { return (.tooRecent, nil) }
            state.closing = true
            return (.closed, connection)
        }
        guard let connection = outcome.1 else { return outcome.0 }
        try? await connection.close().get()
        let waiters = state.withLock { state in
            state.closing = false
            defer { state.releaseWaiters = [] }
            return state.releaseWaiters
        }
        for waiter in waiters { waiter.resume() }
        return .closed
    }

    /// Closes the channel at once; a query in flight on it fails, and the server rolls back its
    /// open transaction.
    static func closeNow(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }
}
