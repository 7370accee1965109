import Gatehouse
import Logging
import PostgresNIO
import ServiceLifecycle

/// A Gatehouse store on PostgreSQL (or an engine that speaks its protocol), for several server
/// instances sharing one database.
///
/// Every rule of the store protocols is enforced by the database itself: uniqueness by constraints,
/// rotation by a compare-and-swap `UPDATE … WHERE current_hash = $expected AND valid`, single use of
/// tokens by a conditional `UPDATE`. Two instances can therefore never both rotate the same token,
/// both consume the same token or both create the same username.
///
/// The store owns a `PostgresClient` (a connection pool) that must run for queries to be served: add
/// the store to a `ServiceGroup`, or call ``run()`` in a task of its own.
///
/// ```swift
/// let store = try PostgresStore(url: "postgres://gatehouse:secret@db.internal:5432/gatehouse")
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await store.run() }
///     try await store.migrate()
///     let accounts = Accounts(store: store, options: options)
///     // …
/// }
/// ```
///
/// When the database cannot be reached, operations fail with `AccountError.Code.storeUnavailable`
/// after at most the operation timeout instead of waiting for it; once the database is back, the
/// pool reconnects on its own.
public final class PostgresStore: GatehouseStore, Service {
    /// How long one operation may take, waiting for a pooled connection included, when the
    /// initializer is not told otherwise.
    public static let defaultOperationTimeout: Duration = .seconds(5)

    /// The connection pool. Exposed to the package so tests can prepare databases with it.
    package let client: PostgresClient
    /// How long one operation may take, from asking for a connection to its last row.
    package let operationTimeout: Duration
    /// The clock rotations take their commit time from; `nil` for the database's.
    let commitClock: (any WallClock)?
    /// Operations waiting for ``run()`` to run them, and where callers add theirs.
    let pendingOperations: AsyncStream<PostgresOperation>
    let operations: AsyncStream<PostgresOperation>.Continuation
    /// Concurrent per-request reads, grouped into one query per batch.
    let sessionLookups: WorkBatcher<String, PostgresSessionLookup.Row?>
    /// Concurrent rotations' writes, grouped into one statement per batch.
    let sessionWrites: WorkBatcher<SessionUpdate, Bool>
    let logger: Logger
    /// Handed to the driver for queries. The driver logs rows and bound values at trace and debug
    /// level, none of which may reach a log, so this logger only passes warnings and above to the
    /// process's handler.
    static let queryLogger: Logger = {
        var logger = Logger(label: "gatehouse.postgres.query")
        logger.logLevel = .warning
        return logger
    }()

    /// Creates a store on a connection pool with `configuration`.
    ///
    /// Nothing is connected until ``run()`` runs and a first operation asks for a connection.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to connect, and the pool's limits. Its
    ///     `options.connectTimeout` bounds each connection attempt.
    ///   - operationTimeout: The longest any single operation may take, including the wait for a
    ///     pooled connection; past it the operation fails with
    ///     `AccountError.Code.storeUnavailable`. Migrations are allowed at least a minute.
    ///   - commitClock: Where the commit time of a rotation comes from: `nil` (the default) for the
    ///     database's own clock when the statement runs, which stays right however long the statement
    ///     took to arrive; a clock of the caller's for tests that run on a manual clock. Servers compare
    ///     these times with their own clocks, so keep the clocks of a cluster synchronised (NTP): a skew
    ///     well under the grace period is harmless.
    ///   - logger: Where the store and the pool log. Neither SQL nor bound values are logged.
    public init(
        configuration: PostgresClient.Configuration,
        operationTimeout: Duration = PostgresStore.defaultOperationTimeout,
        commitClock: (any WallClock)? = nil,
        logger: Logger = Logger(label: "gatehouse.postgres")
    ) {
        self.logger = logger
        self.operationTimeout = operationTimeout
        self.commitClock = commitClock
        (self.pendingOperations, self.operations) = AsyncStream.makeStream(of: PostgresOperation.self)
        let batches = Self.concurrentBatches(connections: configuration.options.maximumConnections)
        let threshold = Self.concurrentBatchThreshold
        self.sessionLookups = WorkBatcher(maxBatchSize: 256, maxConcurrentBatches: batches, concurrentBatchThreshold: threshold)
        self.sessionWrites = WorkBatcher(maxBatchSize: 256, maxConcurrentBatches: batches, concurrentBatchThreshold: threshold)
        var backgroundLogger = logger
        // The driver logs protocol messages, rows included, at trace level.
        backgroundLogger.logLevel = max(logger.logLevel, .debug)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: backgroundLogger)
    }

    /// Creates a store from a connection URL, `postgres://user:password@host:port/database`
    /// (`postgresql://` works too).
    ///
    /// Query parameters follow libpq: `sslmode` (`disable`, `allow`, `prefer`, `require`, `verify-ca`,
    /// `verify-full`; the default is `disable` for a loopback or socket host and `prefer` otherwise),
    /// `sslrootcert`, `connect_timeout` (seconds, default 5), `application_name` (default
    /// `gatehouse`), `options` (for example `-c search_path=auth` to keep the tables in their own
    /// schema) and `host` (a socket directory).
    ///
    /// - Throws: `AccountError.Code.invalidConfiguration` when the URL cannot be used; the message
    ///   never repeats the password.
    public convenience init(
        url: String,
        operationTimeout: Duration = PostgresStore.defaultOperationTimeout,
        commitClock: (any WallClock)? = nil,
        logger: Logger = Logger(label: "gatehouse.postgres")
    ) throws {
        let configuration: PostgresClient.Configuration
        do {
            configuration = try PostgresURL(url).configuration()
        } catch {
            throw AccountError.invalidConfiguration(.databaseURL)
        }
        self.init(configuration: configuration, operationTimeout: operationTimeout, commitClock: commitClock, logger: logger)
    }

    /// Runs the connection pool and the store's operations until the task is cancelled or a graceful
    /// shutdown is triggered. Operations wait (up to the operation timeout) while it is not running; once
    /// a graceful shutdown began, new operations fail at once, those in flight finish or time out, and
    /// then the pool closes its connections.
    ///
    /// The pool runs in a task of its own, waited for at most 3 seconds once the operations are done: a
    /// connection the driver never gives back (after an operation abandoned at its deadline) must not
    /// keep the process from stopping.
    public func run() async throws {
        let pool = PostgresOperationOutcome<Void>()
        let client = self.client
        let driver = Task {
            await client.run()
            pool.settle(.success(()))
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await operation in self.pendingOperations {
                    group.addTask { await operation.run() }
                }
            }
        } onGracefulShutdown: {
            self.operations.finish()
        }
        driver.cancel()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: Self.shutdownLimit)
                pool.settle(.failure(CancellationError()))
            }
            if (try? await pool.value()) == nil {
                logger.warning("the connection pool did not close in time; leaving it to the process's end")
            }
            group.cancelAll()
        }
    }

    /// How long ``run()`` waits for the pool to close its connections once its operations are done.
    static let shutdownLimit: Duration = .seconds(3)

    /// The store itself: its connection pool must run while it is used.
    public func backgroundServices(logger: Logger) -> [any Service] {
        [self]
    }
}
