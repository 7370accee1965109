import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Applies the schema migrations this version knows and the database has not run yet.
    ///
    /// Safe to call any number of times, and from several processes at once: each migration runs in
    /// its own transaction, and a migration already applied is skipped. Runs when the store opens; exposed for a
    /// `migrate` command that prepares a database ahead of a deploy.
    ///
    /// - Throws: `AccountError.Code.invalidConfiguration` when the database was migrated by a newer
    ///   version (it has migrations this one does not know); `AccountError.Code.storeUnavailable`
    ///   when the database cannot be written.
    public func migrate() async throws {
        try migrateSchema()
    }

    /// ``migrate()`` for the initialisers, which cannot wait.
    func migrateSchema() throws {
        let migrator = SQLiteSchema.migrator
        let applied: Set<String>
        do {
            applied = try writer.read { db in
                // An older binary must not write into a schema it does not know.
                guard try !migrator.hasBeenSuperseded(db) else {
                    throw AccountError.invalidConfiguration(.newerSchema)
                }
                return try migrator.appliedIdentifiers(db)
            }
            try Self.migrate(writer, with: migrator)
        } catch {
            throw SQLiteFailure.translate(error, operation: "migrate", logger: logger)
        }
        let new = migrator.migrations.filter { !applied.contains($0) }
        if !new.isEmpty {
            logger.info("SQLite schema migrated", metadata: ["gatehouse.sqlite.migrations": "\(new.joined(separator: ","))"])
        }
    }

    /// GRDB reads the applied migrations before it opens each migration's transaction, so two
    /// processes opening a new database together can both try the same migration; the second one
    /// fails once the first commits. Such a failure is retried against the now-current schema.
    private static func migrate(_ writer: any DatabaseWriter, with migrator: DatabaseMigrator) throws {
        var attempts = 0
        while true {
            do {
                try migrator.migrate(writer)
                return
            } catch {
                attempts += 1
                if try writer.read({ try migrator.hasCompletedMigrations($0) }) { return }
                if attempts >= 3 { throw error }
            }
        }
    }
}
