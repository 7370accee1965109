import GRDB
import GRDBSQLite

/// Connections the store opens itself, beside GRDB's pool, for work that must not queue behind it
/// (the per-request session read, the background checkpoint).
enum OwnConnection {
    /// Opens `path` read-write, without creating it — a read-only connection could not rebuild the WAL
    /// index after a crash — and with the store's busy timeout. The caller closes the handle.
    static func open(_ path: String) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_close(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        sqlite3_busy_timeout(handle, Int32(SQLiteStore.busyTimeout * 1000))
        return handle
    }
}
