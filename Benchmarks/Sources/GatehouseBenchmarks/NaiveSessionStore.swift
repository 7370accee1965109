import Foundation
import GRDB
import Gatehouse
import GatehouseSQLite

/// The baseline store of the rotation benchmark: the SQLite store with group commit taken out. Reads
/// and inserts go to the real store; every `updateSessions` call is its own write transaction on a
/// second connection pool to the same file — what a straightforward store does.
final class NaiveSessionStore: SessionStore {
    private let base: SQLiteStore
    private let pool: DatabasePool

    init(base: SQLiteStore, path: String) throws {
        self.base = base
        var configuration = Configuration()
        configuration.label = "gatehouse.bench.naive"
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        // The same durability as the real store, set on the writer once the pool is in WAL mode.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(base.durability == .full ? "FULL" : "NORMAL")")
        }
    }

    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        try await pool.write { db in try Self.apply(updates, db) }
    }

    /// The compare-and-swap UPDATE of the real store, one statement per update.
    static func apply(_ updates: [SessionUpdate], _ db: Database) throws -> [Bool] {
        let statement = try db.cachedStatement(
            sql: """
                UPDATE sessions
                SET current_hash = ?, previous_hash = ?, rotated_at = ?, older_secrets = ?, current_presented = ?,
                    last_used_at = ?, ip = ?, user_agent = ?
                WHERE id = ? AND current_hash = ? AND valid = 1
                """
        )
        return try updates.map { update in
            try statement.execute(arguments: [
                Data(update.currentHash), update.previousHash.map { Data($0) }, update.rotatedAt.map(Self.millis),
                Data(SupersededSecret.pack(update.olderSecrets)), update.currentPresented,
                Self.millis(update.lastUsedAt), update.ip, update.userAgent,
                update.sessionID, Data(update.expectedCurrentHash),
            ])
            return db.changesCount == 1
        }
    }

    private static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try await base.insertSession(session, requiringAccountEpoch: epoch, audit: audit)
    }
    func session(id: String) async throws -> SessionRecord? { try await base.session(id: id) }
    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        try await base.sessionWithAccount(id: id)
    }
    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try await base.revokeSessions(scope, reason: reason, at: date, audit: audit)
    }
    func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await base.recordAuthentication(sessionID: sessionID, methods: methods, at: date, audit: audit)
    }
    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try await base.sessions(accountID: accountID, includeInvalid: includeInvalid)
    }
    func deleteSessions(endedBefore date: Date) async throws -> Int { try await base.deleteSessions(endedBefore: date) }
}
