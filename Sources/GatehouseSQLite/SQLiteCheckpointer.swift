import Foundation
import GRDB
import GRDBSQLite
import Gatehouse
import Logging
import ServiceLifecycle

/// Checkpoints the WAL of an ``SQLiteStore`` on a thread of its own, so that no commit waits for the
/// bulk of one.
///
/// Without it, the commit that grows the write-ahead log past 1,000 pages copies those pages back
/// into the database file before it returns, with two `fsync`s: with group commit, every rotation of
/// that batch waits for it. While the checkpointer runs, such a commit only signals it; the
/// checkpointer copies the pages on its own connection and thread (a `PASSIVE` checkpoint: it never
/// blocks readers or the writer). Once the log is long, the commit right after one of its checkpoints
/// copies the few frames committed meanwhile, so that the log can restart from its beginning: a
/// checkpoint running beside a steady stream of commits never copies every frame, and without that the
/// log would grow as long as the load lasts.
/// When the checkpointer stops, commits checkpoint by themselves again, so a store without it behaves
/// exactly like plain SQLite. `gatehouse serve` runs one next to the server; run one per store.
///
/// ```swift
/// let store = try SQLiteStore(path: path)
/// let group = ServiceGroup(services: [SQLiteCheckpointer(store: store, logger: logger), app], logger: logger)
/// ```
public struct SQLiteCheckpointer: Service, CustomStringConvertible {
    private let store: SQLiteStore
    private let logger: Logger

    /// - Parameters:
    ///   - store: The store whose WAL is checkpointed. An in-memory store has none; the service then
    ///     only waits for shutdown.
    ///   - logger: Receives failed checkpoints (the next signal tries again).
    public init(store: SQLiteStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public var description: String { "SQLiteCheckpointer" }

    /// The most copies in a row for one signal, should the writer commit as fast as they copy.
    static let mostPasses = 4

    /// Checkpoints whenever a commit passes the threshold, until the task is cancelled or a graceful
    /// shutdown begins.
    public func run() async throws {
        guard let path = store.path, let checkpoints = store.checkpoints else {
            try await gracefulShutdown()
            return
        }
        let connection = try CheckpointConnection(path: path)
        let worker = BoundedWorkPool(width: 1, label: "gatehouse.sqlite.checkpoint", niceness: 0)
        // One pending signal is enough: a checkpoint copies everything committed before it starts.
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        checkpoints.handOver(to: continuation)
        await withGracefulShutdownHandler {
            for await _ in signals {
                do {
                    // Copies again what was committed during the copy while that is much, so that the
                    // commit after it may catch up (see `WALCheckpoints`).
                    var uncopied: Int32
                    var passes = 0
                    repeat {
                        uncopied = try await worker.run { try connection.checkpoint() }
                        passes += 1
                    } while uncopied > WALCheckpoints.catchUpTail && passes < Self.mostPasses
                    checkpoints.checkpointedInBackground(leaving: uncopied)
                } catch {
                    logger.warning(
                        "WAL checkpoint failed; retrying at the next signal",
                        metadata: ["gatehouse.error": "\(SQLiteFailure.translate(error, operation: "checkpoint", logger: logger))"]
                    )
                }
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        // From here on, commits past the threshold checkpoint by themselves again.
        checkpoints.takeBack()
    }
}

/// The checkpointer's own connection. Used by one thread at a time: the checkpointer awaits each
/// checkpoint before it starts the next, on a pool one thread wide.
private final class CheckpointConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The database file, to write its copied pages to the disk after each checkpoint.
    private let database: Int32

    init(path: String) throws {
        handle = try OwnConnection.open(path)
        database = open(path, O_RDONLY | O_CLOEXEC)
    }

    deinit {
        sqlite3_close_v2(handle)
        if database >= 0 { close(database) }
    }

    /// Copies what it can of the log and returns how many of its frames are left uncopied.
    func checkpoint() throws -> Int32 {
        var frames: Int32 = 0
        var copied: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
        switch code {
        case SQLITE_OK:
            // Writes the pages just copied to the disk now, on this thread, so that the sync of the
            // database file in the next catch-up, inside a commit, has little left to write.
            if database >= 0 { _ = fdatasync(database) }
            return max(0, frames - copied)
        // Another connection is checkpointing; its copy serves as well, but what it leaves is unknown.
        case SQLITE_BUSY: return .max
        default: throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(handle)))
        }
    }
}

extension SQLiteStore {
    /// A file store runs an ``SQLiteCheckpointer``; an in-memory store needs nothing.
    public func backgroundServices(logger: Logger) -> [any Service] {
        path == nil ? [] : [SQLiteCheckpointer(store: self, logger: logger)]
    }
}
