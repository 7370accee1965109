import Foundation
import GRDB
import Gatehouse
import Logging

/// A `GatehouseStore` on SQLite, through GRDB: the embedded default for a single server.
///
/// A file store is a WAL-mode `DatabasePool`: reads run on a pool of reader connections, in parallel
/// with the one writer, so the per-request session lookup never waits on a rotation being written.
/// Concurrent rotations are grouped into one write transaction (group commit, see
/// ``updateSessions(_:)``). Uniqueness of usernames and contacts is enforced by the database itself.
///
/// Every failure is an `AccountError`: a taken value is `AccountError.Code.conflict`, a locked,
/// busy or unopenable database is `AccountError.Code.storeUnavailable`. No bound value (hash,
/// e-mail address, token) ever appears in an error or a log line.
///
/// ```swift
/// let store = try SQLiteStore(path: "/var/lib/gatehouse/gatehouse.sqlite")
/// let accounts = Accounts(store: store, options: options)
/// ```
public final class SQLiteStore: GatehouseStore {
    /// The database file, or `nil` for an in-memory store.
    public let path: String?
    /// What a power loss may undo of the committed writes.
    public let durability: Durability

    let writer: any DatabaseWriter
    let logger: Logger
    let sessionWrites = WorkBatcher<SessionUpdate, Bool>(maxBatchSize: 256)
    let sessionLookup: SQLiteSessionLookup
    /// The clock rotations take their commit time from.
    let clock: any WallClock
    /// The WAL checkpoint policy of a file store (`nil` in memory); see ``SQLiteCheckpointer``.
    let checkpoints: WALCheckpoints?

    /// How long a write waits for another process's write lock before failing as
    /// `AccountError.Code.storeUnavailable`.
    static let busyTimeout: TimeInterval = 5

    /// Opens (creating it if missing) the database file at `path` and brings its schema up to date.
    ///
    /// The file is opened in WAL mode with the `synchronous` setting `durability` names, foreign keys
    /// enforced and a busy timeout for locks held by other processes. Run an ``SQLiteCheckpointer``
    /// next to it to take WAL checkpoints off the commit path.
    ///
    /// - Parameters:
    ///   - path: The database file. Its directory must exist.
    ///   - durability: What a power loss may undo (see ``Durability``); ``Durability/normal`` by default.
    ///   - clock: Where the commit time of a rotation comes from; the system clock by default.
    ///   - logger: Where the store logs failures and migrations.
    /// - Throws: `AccountError.Code.storeUnavailable` when the file cannot be opened or migrated.
    public convenience init(
        path: String,
        durability: Durability = .normal,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "gatehouse.sqlite")
    ) throws {
        let pool: DatabasePool
        do {
            // The file holds password hashes, e-mail addresses and, for `gatehouse serve`, the signing key.
            try DatabaseFile.prepare(path, logger: logger)
            pool = try Self.openPool(path: path)
            // After the pool is open: GRDB sets NORMAL on its writer when it switches to WAL, and the
            // writer's setting is the one that decides when a commit is synced.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(durability.synchronousPragma)") }
        } catch {
            throw SQLiteFailure.translate(error, operation: "open", logger: logger)
        }
        let checkpoints = WALCheckpoints()
        checkpoints.install(on: pool)
        self.init(writer: pool, path: path, durability: durability, checkpoints: checkpoints, clock: clock, logger: logger)
        try migrateSchema()
    }

    /// A store held in memory, with the full schema: for tests and tools. Its content disappears with it.
    ///
    /// - Parameters:
    ///   - clock: Where the commit time of a rotation comes from; the system clock by default.
    ///   - logger: Where the store logs failures.
    public static func inMemory(clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "gatehouse.sqlite")) throws -> SQLiteStore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw SQLiteFailure.translate(error, operation: "open", logger: logger)
        }
        let store = SQLiteStore(writer: queue, path: nil, durability: .normal, checkpoints: nil, clock: clock, logger: logger)
        try store.migrateSchema()
        return store
    }

    private init(
        writer: any DatabaseWriter,
        path: String?,
        durability: Durability,
        checkpoints: WALCheckpoints?,
        clock: any WallClock,
        logger: Logger
    ) {
        self.writer = writer
        self.clock = clock
        self.path = path
        self.durability = durability
        self.checkpoints = checkpoints
        self.logger = logger
        self.sessionLookup = SQLiteSessionLookup(path: path)
    }

    /// Opening a new file sets it up (WAL mode, a first write) in transactions that SQLite fails with
    /// `SQLITE_BUSY` at once, without waiting, when another process sets up the same file at the same
    /// moment. That setup lasts milliseconds, so opening is retried a few times.
    private static func openPool(path: String) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration())
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 5 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.01 * Double(attempt))
            }
        }
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "gatehouse"
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        return configuration
    }

    // MARK: Diagnostics

    /// The journal mode of the database (`wal` for a file store).
    package func journalMode() async throws -> String {
        try await read("journal_mode") { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// What the WAL checkpoint policy has done so far; `nil` for an in-memory store.
    package var walCheckpointCounts: WALCheckpointCounts? {
        checkpoints?.counts
    }

    /// Whether an ``SQLiteCheckpointer`` is taking this store's checkpoints.
    package var hasRunningCheckpointer: Bool {
        checkpoints?.handedOver ?? false
    }

    /// SQLite's `synchronous` setting of the store's writer connection (1 for NORMAL, 2 for FULL).
    package func synchronousSetting() async throws -> Int {
        try await write("synchronous") { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The lines of `PRAGMA integrity_check`: `["ok"]` for a sound database.
    package func integrityCheck() async throws -> [String] {
        try await read("integrity_check") { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// The identifiers of the migrations applied to the database, in order.
    package func appliedMigrations() async throws -> [String] {
        try await read("applied_migrations") { db in try SQLiteSchema.migrator.appliedMigrations(db) }
    }
}
