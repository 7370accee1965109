import Gatehouse
import GatehousePostgres
import GatehouseSQLite
import Logging

/// Opens the store a ``DatabaseLocation`` names: the one place where `serve`, `migrate` and the admin
/// commands turn a `--database` value into a store, so they always agree on what it means.
public enum StoreOpener {
    /// Opens the store without touching its schema (see ``OpenedStore/migrate()``). An SQLite file is
    /// created when missing; a PostgreSQL URL is only parsed here, and connections are made once the
    /// store's service runs.
    ///
    /// `sqliteDurability` applies to an SQLite file (see `SQLiteStore.Durability`).
    ///
    /// - Throws: ``ServerConfigurationError`` when the database cannot be opened; the message masks
    ///   any password in a URL.
    public static func open(
        _ location: DatabaseLocation,
        sqliteDurability: SQLiteStore.Durability = .normal,
        logger: Logger
    ) throws(ServerConfigurationError) -> OpenedStore {
        do {
            switch location {
            case .sqlite(let path):
                let store =
                    path == DatabaseLocation.inMemoryPath
                    ? try SQLiteStore.inMemory(logger: logger)
                    : try SQLiteStore(path: path, durability: sqliteDurability, logger: logger)
                return OpenedStore(store: store, location: location)
            case .postgres(let url):
                // Parsed here first for the reason a URL is refused, which the store does not spell out.
                _ = try PostgresURL(url).configuration()
                let store = try PostgresStore(url: url, logger: logger)
                return OpenedStore(store: store, location: location)
            }
        } catch {
            // A driver's error may quote the URL it was given; only the masked location is shown.
            let reason = (error as? AccountError)?.message ?? (error as? PostgresURL.Invalid)?.description ?? Self.describe(error, location: location)
            throw ServerConfigurationError("cannot open the database (\(location)): \(reason)")
        }
    }

    private static func describe(_ error: any Error, location: DatabaseLocation) -> String {
        switch location {
        case .sqlite: "\(error)"
        case .postgres: "the URL is not a valid PostgreSQL connection URL"
        }
    }
}
