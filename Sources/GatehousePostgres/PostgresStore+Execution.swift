import Gatehouse
import Logging
import PostgresNIO

extension PostgresStore {
    /// Runs `body` on a pooled connection, bounded by the operation timeout, and translates failures
    /// into ``AccountError``s.
    ///
    /// The pool queues requests while it cannot connect, and a query already sent waits for its answer
    /// however long it takes (during a network partition, as long as the partition); neither may hold a
    /// request hostage. So the operation runs in the store's own service (``run()``), and the caller waits
    /// for it at most `timeout`: past it the caller gets `StoreUnavailable` at once, an operation that has
    /// not got its connection yet never starts, and one still waiting on the database has its connection
    /// closed, which fails the query and makes the server roll back what it had not committed. No
    /// connection lease outlives its operation, so the pool — and a graceful shutdown — never waits for
    /// an operation nobody awaits.
    func withConnection<Result: Sendable>(
        _ operation: StaticString,
        timeout: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let limit = timeout ?? operationTimeout
        let lease = LeasedConnection()
        let outcome = PostgresOperationOutcome<Result>()
        let work: @Sendable () async -> Void = { [client] in
            do {
                let value = try await client.withConnection { connection in
                    guard lease.hold(connection) else { throw PostgresFailure.TimedOut() }
                    let outcome: Swift.Result<Result, any Error>
                    do {
                        outcome = .success(try await body(connection))
                    } catch {
                        outcome = .failure(error)
                    }
                    await lease.release()
                    return try outcome.get()
                }
                outcome.settle(.success(value))
            } catch {
                outcome.settle(.failure(error))
            }
        }
        do {
            guard case .enqueued = operations.yield(PostgresOperation(work: work, lease: lease, closeAfter: limit)) else {
                // The store is shutting down.
                throw PostgresFailure.TimedOut()
            }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await Task.sleep(for: limit)
                        lease.abandon()
                        outcome.settle(.failure(PostgresFailure.TimedOut()))
                    } catch {
                        // The operation finished first (this deadline was cancelled), or the caller was cancelled.
                        lease.abandon()
                        outcome.settle(.failure(CancellationError()))
                    }
                }
                defer { group.cancelAll() }
                return try await outcome.value()
            }
        } catch {
            throw PostgresFailure.translate(error, operation: operation, logger: logger)
        }
    }

    /// Runs `body` in a transaction on `connection`, again when it loses a serialization race.
    ///
    /// A transaction that fails is rolled back; when even the rollback fails the connection is
    /// closed, so that the pool never hands out a connection stuck in a failed transaction.
    static func transaction<Result: Sendable>(
        on connection: PostgresConnection,
        attempts: Int = 3,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                try await connection.query("BEGIN", logger: queryLogger)
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: queryLogger)
                return result
            } catch {
                do {
                    try await connection.query("ROLLBACK", logger: queryLogger)
                } catch {
                    LeasedConnection.closeNow(connection)
                }
                guard attempt < attempts, PostgresFailure.isRetryable(error) else { throw error }
                attempt += 1
            }
        }
    }

    /// Runs a query and collects its rows.
    static func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await connection.query(query, logger: queryLogger).collect()
    }

    /// Runs a query and decodes each row with `decode`.
    static func records<Record>(
        _ query: PostgresQuery,
        on connection: PostgresConnection,
        _ decode: (inout PostgresCursor) throws -> Record
    ) async throws -> [Record] {
        try await rows(query, on: connection).map { row in
            var cursor = PostgresCursor(row)
            return try decode(&cursor)
        }
    }

    /// Runs a query and returns how many rows it returned (for `UPDATE … RETURNING 1`).
    static func count(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        try await rows(query, on: connection).count
    }
}
