import GRDB
import GRDBSQLite
import Synchronization

/// When and where the WAL of a database file is checkpointed (copied back into the database file).
///
/// SQLite's own rule checkpoints inside the commit that grows the WAL past 1,000 pages: that commit —
/// and, with group commit, every rotation in its batch — waits for the copy and its `fsync`s. This
/// policy replaces the rule with a WAL hook on the writer connection that keeps the same threshold
/// but lets a running ``SQLiteCheckpointer`` take the work: while one runs, a commit past the
/// threshold only signals it (at most once per ``signalStep`` pages the log grew) and returns;
/// otherwise the commit checkpoints as SQLite would have.
///
/// The log only restarts from its beginning when a write begins after a checkpoint that copied every
/// frame. A checkpointer never gets there under a steady load: the writer commits more frames while it
/// copies. So the log would grow for as long as the load lasts (by some 80 megabytes a second under the
/// rotation benchmark), and every page read would search a longer index. Therefore, once the log is past
/// ``catchUpThreshold``, the commit right after a checkpointer's checkpoint that left at most
/// ``catchUpTail`` frames uncopied checkpoints itself (a *catch-up*): it copies those few frames and its
/// own, and the write after it can restart the log.
final class WALCheckpoints: Sendable {
    /// SQLite's default `wal_autocheckpoint`, in pages.
    static let threshold: Int32 = 1_000

    /// How long the log grows, in pages, before commits catch up on the checkpointer so that it can
    /// restart (about 16 MB with 4 KB pages).
    ///
    /// Each restart costs a few rotations some milliseconds: the catch-up's copy and `fsync`s, and the
    /// first write of the restarted log, which syncs its header. Four times SQLite's threshold keeps the
    /// log bounded with a quarter of the restarts.
    static let catchUpThreshold: Int32 = 4 * threshold

    /// The most frames a checkpointer's checkpoint may leave uncopied for the commit after it to catch up.
    static let catchUpTail: Int32 = 64

    /// How much further the log must grow past the last signal before a commit signals again.
    ///
    /// Under a steady load of commits the log rarely restarts (it can only once a checkpoint has copied
    /// every frame before the next write begins), so every commit past the threshold would signal: one
    /// wake-up of the checkpointer's task and thread per commit, each to copy a few pages, with the
    /// `fsync`s of a checkpoint each time. A checkpoint copies everything committed before it starts, so
    /// one signal per this many new pages copies the same pages, fewer times.
    static let signalStep: Int32 = 128

    private struct State {
        var background: AsyncStream<Void>.Continuation?
        var inlineCheckpoints = 0
        var signals = 0
        var backgroundCheckpoints = 0
        /// The size of the log, in pages, at the last signal.
        var signalledAt: Int32 = 0
        var catchUps = 0
    }

    /// What a commit that left the log `pages` long does about a checkpoint.
    enum Action: Equatable {
        /// Nothing: the log is short, or a checkpointer was signalled since it last grew much.
        case none
        /// Checkpoint inside the commit, as SQLite would.
        case inline
        /// Signal the checkpointer.
        case signal
        /// Checkpoint inside the commit what was committed since the last copy, so that the log can restart.
        case catchUp
    }

    private let state = Mutex(State())
    /// A checkpointer's checkpoint just left few frames uncopied: the next commit may catch up on it.
    /// Apart from the state: commits under the threshold read it without the lock.
    private let catchingUp = Atomic<Bool>(false)

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
        state.withLock { state in
            state.background = checkpointer
            state.signalledAt = 0
        }
    }

    /// Commits checkpoint by themselves again.
    func takeBack() {
        state.withLock { $0.background = nil }
        catchingUp.store(false, ordering: .relaxed)
    }

    /// Whether a checkpointer has taken checkpoints over.
    var handedOver: Bool {
        state.withLock { $0.background != nil }
    }

    /// Counts a checkpoint a checkpointer completed, which left `uncopied` frames of the log. When they
    /// are few, the next commit catches up if the log is past ``catchUpThreshold``.
    func checkpointedInBackground(leaving uncopied: Int32) {
        state.withLock { $0.backgroundCheckpoints += 1 }
        catchingUp.store(uncopied <= Self.catchUpTail, ordering: .relaxed)
    }

    /// How many commits checkpointed themselves, how many signalled a checkpointer instead, how many
    /// checkpoints a checkpointer completed, and how many commits checkpointed to catch up after one.
    var counts: WALCheckpointCounts {
        state.withLock {
            WALCheckpointCounts(inline: $0.inlineCheckpoints, signalled: $0.signals, background: $0.backgroundCheckpoints, caughtUp: $0.catchUps)
        }
    }

    /// Decides, and counts, what the commit that left the log `pages` long does.
    func action(afterCommitLeaving pages: Int32) -> Action {
        guard pages >= Self.threshold else {
            // Only the commit right after a checkpointer's checkpoint may catch up on it.
            if catchingUp.load(ordering: .relaxed) { catchingUp.store(false, ordering: .relaxed) }
            return .none
        }
        return state.withLock { state in
            guard state.background != nil else {
                state.inlineCheckpoints += 1
                return .inline
            }
            // Only the commit right after a checkpointer's checkpoint, when it left few frames: any
            // later one would copy more of them inside the commit, with every rotation of the batch
            // waiting for it.
            if catchingUp.exchange(false, ordering: .relaxed), pages >= Self.catchUpThreshold {
                state.catchUps += 1
                return .catchUp
            }
            // A log shorter than at the last signal has restarted since.
            guard pages < state.signalledAt || pages - state.signalledAt >= Self.signalStep else { return .none }
            state.signalledAt = pages
            state.signals += 1
            return .signal
        }
    }

    private func committed(pages: Int32, connection: OpaquePointer?, schema: UnsafePointer<CChar>?) -> Int32 {
        switch action(afterCommitLeaving: pages) {
        case .none:
            break
        case .signal:
            state.withLock { $0.background }?.yield()
        case .inline, .catchUp:
            // What SQLite's own hook does; a busy checkpoint is not an error of the commit.
            _ = sqlite3_wal_checkpoint_v2(connection, schema, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
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
    /// Commits that caught up right after a checkpointer's checkpoint.
    package var caughtUp: Int = 0
}
