import Foundation
import GRDB
import GRDBSQLite
import Gatehouse

/// The compare-and-swap `UPDATE` of a rotation, run once per update of a group-commit batch.
///
/// The values are bound straight onto the prepared statement: GRDB's statement arguments box every
/// value and copy every digest into `Data` first, which costs more than the row update itself when a
/// batch holds dozens of rotations.
enum SQLiteSessionUpdateStatement {
    static let sql = """
        UPDATE sessions
        SET current_hash = ?, previous_hash = ?, rotated_at = ?, older_secrets = ?, current_presented = ?,
            last_used_at = ?, ip = ?, user_agent = ?
        WHERE id = ? AND current_hash = ? AND valid = 1
          AND (?11 IS NULL OR previous_hash = ?11) AND (?12 = 0 OR current_presented = 0)
        """

    /// Applies `updates` in order inside the caller's transaction; per update, whether it changed a row.
    /// An update that takes the commit time is written with `commitTime`.
    static func apply(_ updates: [SessionUpdate], _ db: Database, commitTime: Date) throws -> [Bool] {
        let commitMillis = SQLiteCodec.millis(commitTime)
        let statement = try db.cachedStatement(sql: sql)
        let handle = statement.sqliteStatement
        let connection = db.sqliteConnection
        var results: [Bool] = []
        results.reserveCapacity(updates.count)
        for update in updates {
            sqlite3_reset(handle)
            bind(update.currentHash, at: 1, handle)
            if let previous = update.previousHash { bind(previous, at: 2, handle) } else { sqlite3_bind_null(handle, 2) }
            if update.takesCommitTime {
                sqlite3_bind_int64(handle, 3, commitMillis)
            } else if let rotatedAt = update.rotatedAt {
                sqlite3_bind_int64(handle, 3, SQLiteCodec.millis(rotatedAt))
            } else {
                sqlite3_bind_null(handle, 3)
            }
            bind(SupersededSecret.pack(update.olderSecrets), at: 4, handle)
            sqlite3_bind_int64(handle, 5, update.currentPresented ? 1 : 0)
            sqlite3_bind_int64(handle, 6, update.takesCommitTime ? commitMillis : SQLiteCodec.millis(update.lastUsedAt))
            bind(update.ip, at: 7, handle)
            bind(update.userAgent, at: 8, handle)
            bind(update.sessionID, at: 9, handle)
            bind(update.expectedCurrentHash, at: 10, handle)
            if let expectedPrevious = update.expectedPreviousHash { bind(expectedPrevious, at: 11, handle) } else { sqlite3_bind_null(handle, 11) }
            sqlite3_bind_int64(handle, 12, update.requiresUnpresentedCurrent ? 1 : 0)
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(connection))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
            }
            results.append(sqlite3_changes(connection) == 1)
        }
        sqlite3_reset(handle)
        // Leaves no value of ours bound to the cached statement.
        sqlite3_clear_bindings(handle)
        return results
    }

    /// SQLite copies the value (`SQLITE_TRANSIENT`), so the buffer only has to live for the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func bind(_ bytes: [UInt8], at index: Int32, _ handle: SQLiteStatement) {
        bytes.withUnsafeBytes { buffer in
            // A zero-length blob still needs a non-null pointer, or SQLite stores NULL.
            _ = sqlite3_bind_blob(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count), transient)
        }
    }

    private static func bind(_ text: String, at index: Int32, _ handle: SQLiteStatement) {
        var text = text
        text.withUTF8 { buffer in
            _ = sqlite3_bind_text(
                handle,
                index,
                UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
                Int32(buffer.count),
                transient
            )
        }
    }
}
