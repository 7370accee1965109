import ArgumentParser
import Foundation
import GatehouseServer

/// `gatehouse migrate`: brings a database's schema up to date.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update the database schema.",
        discussion: """
            Runs every migration the database has not run yet, on SQLite or PostgreSQL; running it again \
            changes nothing. `gatehouse serve` does the same on start, so this is only needed to prepare \
            a database ahead of time (for example before starting several servers on PostgreSQL).
            """
    )

    @OptionGroup
    var databaseOptions: DatabaseOptions

    func run() async throws {
        let location = try databaseOptions.location()
        let existed: Bool? = if case .sqlite(let path) = location { FileManager.default.fileExists(atPath: path) } else { nil }
        let logger = CommandLogging.logger(level: .warning)
        let opened = try StoreOpener.open(location, logger: logger)
        try await opened.withRunningStore(logger: logger) { _ in try await opened.migrate() }
        switch existed {
        case false?: print("Created \(location) and applied every migration.")
        default: print("Migrated \(location): the schema is up to date.")
        }
    }
}
