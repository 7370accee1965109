import Foundation
import GRDB
import GRDBSQLite
import Gatehouse
import Synchronization

/// The per-request read — a session with its account — done as cheaply as SQLite allows.
///
/// It runs synchronously on the calling thread, as a single `SELECT` outside any explicit transaction
/// (one statement is its own consistent snapshot), and reads the columns straight from the prepared
/// statement. GRDB's asynchronous read would hop to a Dispatch queue to take a reader connection and
/// to another to run the query, then back, and wrap the statement in `BEGIN`/`COMMIT`: several times
/// the cost of the query itself. The query touches a handful of pages that a busy server keeps in
/// memory, and a WAL reader never waits for the writer, so holding the calling thread for it is
/// cheaper than handing the work over.
///
/// For a database file the lookup uses connections of its own, each with the statement prepared once,
/// taken from a free list for the duration of one query; an in-memory database has a single
/// connection, so there it goes through GRDB.
///
/// A database file also keeps the sessions it read since the last commit to the file, by any process:
/// each is stamped with the WAL index header as it was before its query (``WALIndexStamp``), and served
/// again only while the header has not changed since, that is while no transaction has committed. A
/// session revoked by another server or by the admin CLI has committed, so the next request reads it
/// from the file. Between commits — a server renewing tokens by interval, under a load of reads — the
/// lookup costs a read of the header instead of a query.
///
/// The sessions kept also outlive this store's own commits of session updates that changed a row — a
/// server rotating tokens commits all the time — when the commit is provably the only one in between:
/// the header read inside the write transaction (no other commit can come while it holds the write
/// lock) is the one the kept sessions are stamped with, and the header read right after the commit has
/// a change counter one higher. The kept sessions the commit changed are then changed the same way, as the file now holds
/// them, and all are stamped with the new header. Any other commit, by this process or another, still
/// empties them.
final class SQLiteSessionLookup: Sendable {
    typealias Found = (session: SessionRecord, account: AccountRecord?)

    static let sql = """
        SELECT \(SQLiteCodec.sessionColumns), \(SQLiteCodec.accountColumns)
        FROM sessions s
        LEFT JOIN accounts a ON a.id = s.account_id
        \(SQLiteCodec.primaryContactJoin)
        WHERE s.id = ?
        """

    /// The sessions read while the WAL index header had the bytes of `stamp`.
    private struct Recent {
        var stamp: WALIndexStamp.Stamp?
        var sessions: [String: Found] = [:]
    }

    private let path: String?
    private let idle = Mutex<[Connection]>([])
    /// Connections kept for reuse: about one per thread that can be querying at once.
    private let keptConnections = 16
    /// `nil` for a database without a WAL index file.
    private let walIndex: WALIndexStamp?
    private let recent = Mutex(Recent())
    /// The most sessions kept; past it, the table starts over.
    private let keptSessions = 10_000
    private let hits = Atomic<Int>(0)

    init(path: String?) {
        self.path = path
        self.walIndex = path.flatMap { WALIndexStamp(databasePath: $0) }
    }

    /// How many lookups were answered from the sessions kept since the last commit.
    var recentHits: Int { hits.load(ordering: .relaxed) }

    deinit {
        for connection in idle.withLock({ $0 }) { connection.close() }
    }

    /// Synchronous on purpose (see above). `reader` serves databases without a file.
    func sessionWithAccount(id: String, reader: any DatabaseReader) throws -> Found? {
        guard let path else { return try Self.sessionWithAccount(id: id, in: reader) }
        // Read before the query: the query's snapshot is this one or a later one, and a later one
        // means a commit, which changes the header, so the session is never served under it.
        let stamp = walIndex?.current()
        if let stamp, let walIndex, let found = recent.withLock({ $0.stamp == stamp ? $0.sessions[id] : nil }), walIndex.isLinked {
            hits.add(1, ordering: .relaxed)
            return found
        }
        let found = try query(id, path: path)
        if let stamp, let found {
            recent.withLock { recent in
                if recent.stamp != stamp {
                    recent.stamp = stamp
                    // A new table rather than emptying the old one: that costs what the old one held,
                    // not the most it ever held.
                    recent.sessions = [:]
                }
                // Kept sessions now live across this store's commits, so a full table starts over
                // rather than keeping the first ones for ever.
                if recent.sessions.count >= keptSessions { recent.sessions = [:] }
                recent.sessions[id] = found
            }
        }
        return found
    }

    /// A commit of session updates by this store: what it changed, and the header inside its write
    /// transaction, before the commit.
    struct OwnCommit: Sendable {
        var updates: [SessionUpdate]
        var applied: [Bool]
        var commitTime: Date
        var before: WALIndexStamp.Stamp?
    }

    /// The header now; called inside a write transaction of this store, after its statements ran and
    /// before it commits.
    func stampInsideWrite() -> WALIndexStamp.Stamp? {
        walIndex?.current()
    }

    /// Carries the kept sessions over `commit`, right after it committed, when it was the only commit
    /// since they were stamped (see above); otherwise leaves them to be emptied by the next lookup.
    ///
    /// Only a commit that changed a row counts: a transaction whose compare-and-swaps all lost writes
    /// nothing to the log and leaves the change counter as it was, so one more on it would be another
    /// connection's commit.
    func keepAcross(_ commit: OwnCommit) {
        guard commit.applied.contains(true), let before = commit.before, let after = walIndex?.current(),
            after.changeCounter == before.changeCounter &+ 1
        else { return }
        recent.withLock { recent in
            guard recent.stamp == before else { return }
            for (update, applied) in zip(commit.updates, commit.applied) where applied {
                guard let found = recent.sessions[update.sessionID] else { continue }
                recent.sessions[update.sessionID] = (
                    SQLiteCodec.asStored(found.session.applying(update, committedAt: commit.commitTime)), found.account
                )
            }
            recent.stamp = after
        }
    }

    /// Runs the query on one of the lookup's own connections.
    private func query(_ id: String, path: String) throws -> Found? {
        let connection = try idle.withLock { $0.popLast() } ?? Connection(path: path)
        defer {
            let kept = idle.withLock { idle -> Bool in
                guard idle.count < keptConnections else { return false }
                idle.append(connection)
                return true
            }
            if !kept { connection.close() }
        }
        return try connection.lookUp(id)
    }

    private static func sessionWithAccount(id: String, in reader: any DatabaseReader) throws -> Found? {
        try reader.unsafeRead { db in
            let statement = try db.cachedStatement(sql: sql)
            try statement.setArguments([id])
            defer { sqlite3_reset(statement.sqliteStatement) }
            switch sqlite3_step(statement.sqliteStatement) {
            case SQLITE_ROW: return try decode(statement.sqliteStatement)
            case SQLITE_DONE: return nil
            case let code:
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
        }
    }

    /// A connection to the database file with the lookup statement prepared. Used by one thread at a
    /// time: it is either in the free list or held by the one caller that took it out.
    private final class Connection: @unchecked Sendable {
        private var handle: OpaquePointer?
        private var statement: OpaquePointer?

        init(path: String) throws {
            // Only the SELECT ever runs on it.
            let handle = try OwnConnection.open(path)
            self.handle = handle
            var statement: OpaquePointer?
            let code = sqlite3_prepare_v3(handle, SQLiteSessionLookup.sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
            guard code == SQLITE_OK, let statement else {
                let message = String(cString: sqlite3_errmsg(handle))
                close()
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: SQLiteSessionLookup.sql)
            }
            self.statement = statement
        }

        func lookUp(_ id: String) throws -> Found? {
            guard let handle, let statement else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "The connection is closed.") }
            var id = id
            let code = id.withUTF8 { bytes -> Int32 in
                sqlite3_bind_text(
                    statement,
                    1,
                    UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
                    Int32(bytes.count),
                    nil
                )
                return sqlite3_step(statement)
            }
            // Ends the statement's implicit read transaction, so the connection holds no WAL snapshot.
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            switch code {
            case SQLITE_ROW: return try SQLiteSessionLookup.decode(statement)
            case SQLITE_DONE: return nil
            default:
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(handle)),
                    sql: SQLiteSessionLookup.sql
                )
            }
        }

        func close() {
            sqlite3_finalize(statement)
            sqlite3_close_v2(handle)
            statement = nil
            handle = nil
        }
    }

    // MARK: Decoding

    /// Decodes the joined row column by column from the statement, without building a GRDB `Row`.
    private static func decode(_ row: OpaquePointer) throws -> Found {
        let session = SessionRecord(
            id: try text(row, 0),
            accountID: try text(row, 1),
            currentHash: try blob(row, 2),
            previousHash: isNull(row, 3) ? nil : try blob(row, 3),
            rotatedAt: isNull(row, 4) ? nil : SQLiteCodec.date(try integer(row, 4)),
            olderSecrets: isNull(row, 5) ? [] : try history(row, 5),
            currentPresented: try integer(row, 6) != 0,
            createdAt: SQLiteCodec.date(try integer(row, 7)),
            lastUsedAt: SQLiteCodec.date(try integer(row, 8)),
            expiresAt: SQLiteCodec.date(try integer(row, 9)),
            valid: try integer(row, 10) != 0,
            revokedReason: isNull(row, 11) ? nil : RevocationReason(rawValue: try text(row, 11)),
            ip: try text(row, 12),
            userAgent: try text(row, 13),
            authenticatedAt: isNull(row, 14) ? nil : SQLiteCodec.date(try integer(row, 14)),
            authenticationMethods: isNull(row, 15) ? [] : AuthenticationMethod.unpack(try text(row, 15))
        )
        let start = Int32(SQLiteCodec.sessionColumnCount)
        guard !isNull(row, start) else { return (session, nil) }
        let account = AccountRecord(
            accountID: try text(row, start),
            username: try text(row, start + 1),
            email: try text(row, start + 2),
            emailVerified: try integer(row, start + 3) != 0,
            deactivated: try integer(row, start + 4) != 0,
            permissions: try SQLiteCodec.decodePermissions(try text(row, start + 5)),
            createdAt: SQLiteCodec.date(try integer(row, start + 6)),
            updatedAt: SQLiteCodec.date(try integer(row, start + 7)),
            sessionEpoch: Int(try integer(row, start + 8))
        )
        return (session, account)
    }

    private static func isNull(_ row: OpaquePointer, _ index: Int32) -> Bool {
        sqlite3_column_type(row, index) == SQLITE_NULL
    }

    private static func text(_ row: OpaquePointer, _ index: Int32) throws -> String {
        guard sqlite3_column_type(row, index) == SQLITE_TEXT, let bytes = sqlite3_column_text(row, index) else { throw SQLiteCodec.malformed }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(row, index))), as: UTF8.self)
    }

    private static func integer(_ row: OpaquePointer, _ index: Int32) throws -> Int64 {
        guard sqlite3_column_type(row, index) == SQLITE_INTEGER else { throw SQLiteCodec.malformed }
        return sqlite3_column_int64(row, index)
    }

    /// The packed history, unpacked from the column's bytes where SQLite holds them.
    private static func history(_ row: OpaquePointer, _ index: Int32) throws -> [SupersededSecret] {
        guard sqlite3_column_type(row, index) == SQLITE_BLOB else { throw SQLiteCodec.malformed }
        let count = Int(sqlite3_column_bytes(row, index))
        guard count > 0, let bytes = sqlite3_column_blob(row, index) else { return [] }
        return SupersededSecret.unpack(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    private static func blob(_ row: OpaquePointer, _ index: Int32) throws -> [UInt8] {
        guard sqlite3_column_type(row, index) == SQLITE_BLOB else { throw SQLiteCodec.malformed }
        let count = Int(sqlite3_column_bytes(row, index))
        guard count > 0, let bytes = sqlite3_column_blob(row, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
