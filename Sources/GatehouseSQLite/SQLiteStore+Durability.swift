extension SQLiteStore {
    /// When a committed write is on disk, which decides what a power loss can undo.
    ///
    /// Either way a crash of the process loses nothing committed and the file is never corrupted. The
    /// difference is a power loss (or a crash of the machine): with ``normal`` it may undo the last
    /// commits before the most recent checkpoint. For sessions that means the last rotations: a client
    /// then presents a token whose secret the database no longer knows, which Gatehouse treats as a
    /// replayed token and revokes the session — the user signs in again. ``full`` rules that out at the
    /// cost of one `fsync` per write transaction; group commit shares that `fsync` among all the
    /// rotations of a batch.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous = NORMAL` in WAL mode: the WAL is synced at checkpoints, not at every commit.
        case normal
        /// `synchronous = FULL`: every commit is synced before it returns.
        case full

        /// The value of SQLite's `synchronous` setting.
        var synchronousPragma: String {
            switch self {
            case .normal: "NORMAL"
            case .full: "FULL"
            }
        }
    }
}
