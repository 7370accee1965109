import Gatehouse
import Logging
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// Creates or updates the tables. Safe to call on every start, and from several instances at once.
    ///
    /// Each migration runs in its own transaction that first inserts its name into
    /// `gatehouse_migrations`. The primary key on that name does the coordination: an instance that
    /// reaches a migration another one is applying waits on the other's uncommitted row, then finds
    /// it applied and moves on (or, if the other rolled back, applies it itself). No advisory lock is
    /// needed, which keeps this working on engines that lack them.
    ///
    /// - Throws: `AccountError.Code.storeUnavailable` when the database cannot be reached or
    ///   refuses a statement (the message carries the SQLSTATE).
    public func migrate() async throws {
        let timeout = max(operationTimeout, .seconds(60))
        try await withConnection("migrate", timeout: timeout) { connection in
            try await Self.createMigrationsTable(on: connection)
        }
        for migration in PostgresSchema.migrations {
            let applied = try await withConnection("migrate", timeout: timeout) { connection in
                try await Self.transaction(on: connection) { connection in
                    let now = PostgresTime.millis(Date())
                    let claimed = try await Self.count(
                        """
                        INSERT INTO gatehouse_migrations (name, applied_at) VALUES (\(migration.name), \(now))
                        ON CONFLICT (name) DO NOTHING RETURNING name
                        """,
                        on: connection
                    )
                    guard claimed == 1 else { return false }
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.queryLogger)
                    }
                    return true
                }
            }
            if applied {
                logger.info("database migration applied", metadata: ["gatehouse.migration": "\(migration.name)"])
            }
        }
    }

    /// The names of the migrations applied to the database, in the order they were applied.
    package func appliedMigrations() async throws -> [String] {
        try await withConnection("applied_migrations") { connection in
            try await Self.records("SELECT name FROM gatehouse_migrations ORDER BY applied_at, name", on: connection) { cursor in
                try cursor.next(String.self)
            }
        }
    }

    /// `CREATE TABLE IF NOT EXISTS` is not atomic in PostgreSQL: two sessions creating the same table
    /// at once can both pass the existence check, and the loser fails on a catalog's unique index
    /// (`23505`) or on the name of the table, its type or its key (`42P07`, `42710`). Run again, the
    /// statement finds the table the winner committed and does nothing.
    private static func createMigrationsTable(on connection: PostgresConnection) async throws {
        var attempt = 1
        while true {
            do {
                try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.migrationsTable), logger: queryLogger)
                return
            } catch  where attempt < 3 && (PostgresFailure.isUniqueViolation(error) || ["42P07", "42710"].contains(PostgresFailure.sqlState(error))) {
                attempt += 1
            }
        }
    }
}
