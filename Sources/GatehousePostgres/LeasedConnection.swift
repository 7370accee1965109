import PostgresNIO
import Synchronization

/// The connection an operation holds, if any, so that the operation's deadline can close it.
///
/// The holder releases the connection before handing it back to the pool, so a late deadline never
/// closes a connection that another operation has leased since.
final class LeasedConnection: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var closed = false
    }

    private let state = Mutex(State())

    func hold(_ connection: PostgresConnection) {
        let late = state.withLock { state in
            state.connection = connection
            return state.closed
        }
        // The deadline passed while the pool was handing the connection over.
        if late { Self.closeNow(connection) }
    }

    func release() {
        state.withLock { $0.connection = nil }
    }

    /// Closes the held connection, and any connection held from now on.
    func close() {
        let connection = state.withLock { state in
            state.closed = true
            return state.connection
        }
        connection.map(Self.closeNow)
    }

    /// Closes the channel at once; a query in flight on it fails, and the server rolls back its
    /// open transaction.
    static func closeNow(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }
}
