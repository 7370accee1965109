import Gatehouse
import Logging
import PostgresNIO

extension PostgresStore {
    /// Runs `body` on a pooled connection, bounded by the operation timeout, and translates failures
    /// into ``AccountError``s.
    ///
    /// The pool queues requests while it cannot connect (for up to a minute) and a query already sent
    /// waits for its answer however long it takes; neither must hold a request hostage. When the
    /// time is up the wait for a connection is cancelled, or the leased connection is closed, which
    /// fails the query in flight and makes the server roll back what it had not committed.
    func withConnection<Result: Sendable>(
        _ operation: StaticString,
        timeout: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let limit = timeout ?? operationTimeout
        let lease = LeasedConnection()
        do {
            return try await withThrowingTaskGroup(of: Outcome<Result>.self) { group in
                group.addTask {
                    try await .finished(
                        self.client.withConnection { connection in
                            lease.hold(connection)
                            defer { lease.release() }
                            return try await body(connection)
                        }
                    )
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return .timedOut
                }
                defer { group.cancelAll() }
                switch try await group.next() {
                case .finished(let value):
                    return value
                case .timedOut, nil:
                    lease.close()
                    throw PostgresFailure.TimedOut()
                }
            }
        } catch {
            throw PostgresFailure.translate(error, operation: operation, logger: logger)
        }
    }

    /// What finished first: the operation or its deadline.
    private enum Outcome<Value: Sendable>: Sendable {
        case finished(Value)
        case timedOut
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
