import GRDB
import GRDBSQLite
import Synchronization

/// When and where the WAL of a database file is checkpointed (copied back into the database file).
///
/// SQLite's own rule checkpoints inside the commit that grows the WAL past 1,000 pages: that commit —
/// and, with group commit, every rotation in its batch — waits for the copy and its `fsync`s. This
/// policy replaces the rule with a WAL hook on the writer connection that keeps the same threshold
/// but lets a running ``SQLiteCheckpointer`` take the work: while one runs, a commit past the
/// threshold only signals it and returns; otherwise the commit checkpoints as SQLite would have.
final class WALCheckpoints: Sendable {
    /// SQLite's default `wal_autocheckpoint`, in pages.
    static let threshold: Int32 = 1_000

    private struct State {
        var background: AsyncStream<Void>.Continuation?
        var inlineCheckpoints = 0
        var signals = 0
        var backgroundCheckpoints = 0
    }

    private let state = Mutex(State())

    /// Installs the hook on `writer`'s connection. The store holds this object as long as it holds the
    /// writer, and the hook only runs inside a commit on that connection, which only the store starts.
    func install(on writer: any DatabaseWriter) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        writer.writeWithoutTransaction { db in
            // Replaces the `wal_autocheckpoint` hook: SQLite keeps one WAL hook per connection.
            _ = sqlite3_wal_hook(
                db.sqliteConnection,
                { context, connection, schema, pages in
                    guard let context else { return SQLITE_OK }
                    return Unmanaged<WALCheckpoints>.fromOpaque(context).takeUnretainedValue()
                        .committed(pages: pages, connection: connection, schema: schema)
                },
                context
            )
        }
    }

    /// Hands checkpoints past the threshold to `checkpointer` until ``takeBack()``.
    func handOver(to checkpointer: AsyncStream<Void>.Continuation) {
        state.withLock { $0.background = checkpointer }
    }

    /// Commits checkpoint by themselves again.
    func takeBack() {
        state.withLock { $0.background = nil }
    }

    /// Whether a checkpointer has taken checkpoints over.
    var handedOver: Bool {
        state.withLock { $0.background != nil }
    }

    /// Counts a checkpoint a checkpointer completed.
    func checkpointedInBackground() {
        state.withLock { $0.backgroundCheckpoints += 1 }
    }

    /// How many commits checkpointed themselves, how many signalled a checkpointer instead, and how
    /// many checkpoints a checkpointer completed.
    var counts: WALCheckpointCounts {
        state.withLock { WALCheckpointCounts(inline: $0.inlineCheckpoints, signalled: $0.signals, background: $0.backgroundCheckpoints) }
    }

    private func committed(pages: Int32, connection: OpaquePointer?, schema: UnsafePointer<CChar>?) -> Int32 {
        guard pages >= Self.threshold else { return SQLITE_OK }
        let checkpointer = state.withLock { state -> AsyncStream<Void>.Continuation? in
            if state.background != nil { state.signals += 1 } else { state.inlineCheckpoints += 1 }
            return state.background
        }
        if let checkpointer {
            checkpointer.yield()
            return SQLITE_OK
        }
        // What SQLite's own hook does; a busy checkpoint is not an error of the commit.
        _ = sqlite3_wal_checkpoint_v2(connection, schema, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        return SQLITE_OK
    }
}

/// What ``WALCheckpoints`` has done so far (for diagnostics and tests).
package struct WALCheckpointCounts: Sendable, Equatable {
    /// Commits that checkpointed before returning.
    package var inline: Int
    /// Commits that signalled a running checkpointer instead.
    package var signalled: Int
    /// Checkpoints a checkpointer completed.
    package var background: Int
}
