import ArgumentParser
import Foundation
import GatehouseServer
import Logging

/// `--database`, shared by every command that works on the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "An SQLite file path or a postgres:// URL. (env: GATEHOUSE_DATABASE, default: ./gatehouse.sqlite)",
            valueName: "path-or-url"
        )
    )
    var database: String?

    /// The database named by the flag, else the environment, else the default.
    func location() throws -> DatabaseLocation {
        do {
            return try ServerConfiguration.resolveDatabase(flag: database, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// Opens the database for an admin command and runs `body` with it: the schema is brought up to
    /// date first, as the server would on start. A missing SQLite file is an error here rather than
    /// silently created, since a mistyped path would otherwise show an empty database.
    func withAdministration<Result: Sendable>(_ body: (Administration) async throws -> Result) async throws -> Result {
        let location = try location()
        if case .sqlite(let path) = location, path != DatabaseLocation.inMemoryPath, !FileManager.default.fileExists(atPath: path) {
            throw ServerConfigurationError(
                "there is no database at \(path); start `gatehouse serve` or run `gatehouse migrate` first, or pass --database"
            )
        }
        let logger = CommandLogging.logger(level: .warning)
        let opened = try StoreOpener.open(location, logger: logger)
        return try await opened.withRunningStore(logger: logger) { store in
            try await opened.migrate()
            let webhooks = try Administration.webhookEndpoints(environment: ProcessInfo.processInfo.environment)
            return try await body(Administration(store: store, webhookEndpoints: webhooks, logger: logger))
        }
    }
}
