import Foundation
import GRDB
import Gatehouse
import Logging

extension SQLiteStore {
    /// Stores a new session. Throws `AccountError.Code.conflict` when the id exists and
    /// `AccountError.Code.userNotFound` when its account does not.
    public func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try await write("insert_session") { db in
            // One statement: the account's state is read and the row written under the same write lock.
            try db.execute(
                sql: """
                    INSERT INTO sessions (id, account_id, current_hash, previous_hash, rotated_at, older_secrets, current_presented,
                                          created_at, last_used_at, expires_at, valid, revoked_reason, ip, user_agent,
                                          authenticated_at, authentication_methods)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
                    WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ? AND deactivated = 0 AND session_epoch = ?)
                    """,
                arguments: [
                    session.id, session.accountID, SQLiteCodec.blob(session.currentHash), SQLiteCodec.blob(session.previousHash),
                    SQLiteCodec.millis(session.rotatedAt), SQLiteCodec.blob(SupersededSecret.pack(session.olderSecrets)),
                    session.currentPresented, SQLiteCodec.millis(session.createdAt), SQLiteCodec.millis(session.lastUsedAt),
                    SQLiteCodec.millis(session.expiresAt), session.valid, session.revokedReason?.rawValue, session.ip, session.userAgent,
                    SQLiteCodec.millis(session.authenticatedAt), AuthenticationMethod.pack(session.authenticationMethods),
                    session.accountID, epoch,
                ]
            )
            guard db.changesCount == 0 else {
                try Self.insertAudit(audit, in: db)
                return
            }
            let state = try Row.fetchOne(db, sql: "SELECT deactivated FROM accounts WHERE id = ?", arguments: [session.accountID])
            guard let state else { throw AccountError.userNotFound }
            if state[0] as Bool { throw AccountError.userDeactivated }
            throw AccountError.conflict(.accountChanged)
        }
    }

    /// The session with this id.
    public func session(id: String) async throws -> SessionRecord? {
        try await read("session") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(SQLiteCodec.sessionColumns) FROM sessions s WHERE s.id = ?")
            return try Row.fetchOne(statement, arguments: [id]).map { try SQLiteCodec.session($0) }
        }
    }

    /// The session, its account and the account's primary e-mail address, in one query: the lookup
    /// every authenticated request makes. It runs on the calling thread (see `SQLiteSessionLookup`).
    /// A session read since the last commit to the file, by any connection of any process, is
    /// answered again without a query: no commit means nothing it holds can have changed.
    public func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        do {
            return try sessionLookup.sessionWithAccount(id: id, reader: writer)
        } catch {
            throw SQLiteFailure.translate(error, operation: "session_with_account", logger: logger)
        }
    }

    /// How many session lookups were answered without a query, because no transaction had committed
    /// since the session was read.
    package var sessionLookupsWithoutQuery: Int { sessionLookup.recentHits }

    /// Applies compare-and-swap updates: each one only if its session is still valid and its current
    /// hash is still the expected one. Returns, per update and in order, whether it was applied.
    ///
    /// All updates of one call commit in one transaction. Concurrent calls are grouped: while one
    /// transaction commits, the calls that arrive meanwhile queue up and then commit together in the
    /// next one (up to 256 updates), so a burst of rotations costs a few transactions rather than one
    /// each. A call returns only after the transaction holding its updates has committed; if that
    /// transaction fails, every call in it gets the error.
    public func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        try await sessionWrites.submit(updates) { [writer, clock, logger, sessionLookup] batch in
            try await Self.commitSessionUpdates(batch, writer: writer, clock: clock, lookup: sessionLookup, logger: logger)
        }
    }

    /// Runs a batch of session updates in one write transaction. Not cancellable on purpose: the batch
    /// belongs to several callers, and one of them going away must not fail the others.
    static func commitSessionUpdates(
        _ updates: [SessionUpdate],
        writer: any DatabaseWriter,
        clock: any WallClock,
        lookup: SQLiteSessionLookup,
        logger: Logger
    ) async throws -> [Bool] {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                writer.asyncWrite(
                    { db in
                        // The commit time is read inside the transaction, once the write lock is held: a
                        // batch that waited for the lock is stamped with the time it became visible.
                        let commitTime = clock.now()
                        let applied = try SQLiteSessionUpdateStatement.apply(updates, db, commitTime: commitTime)
                        // Still holding the write lock, so no other commit can come between this and ours.
                        return SQLiteSessionLookup.OwnCommit(
                            updates: updates,
                            applied: applied,
                            commitTime: commitTime,
                            before: lookup.stampInsideWrite()
                        )
                    },
                    completion: { _, result in
                        // On the writer's queue, right after the commit and before the next transaction.
                        if case .success(let commit) = result { lookup.keepAcross(commit) }
                        continuation.resume(with: result.map(\.applied))
                    }
                )
            }
        } catch {
            throw SQLiteFailure.translate(error, operation: "update_sessions", logger: logger)
        }
    }

    /// Marks the valid sessions in `scope` invalid and returns how many changed.
    public func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try await write("revoke_sessions") { db in
            try db.execute(
                sql: """
                    UPDATE sessions SET valid = 0, revoked_reason = ?, revoked_at = ?
                    WHERE account_id = ? AND valid = 1 AND (? IS NULL OR id = ?) AND (? IS NULL OR id <> ?)
                    """,
                arguments: [
                    reason.rawValue, SQLiteCodec.millis(date), scope.accountID, scope.onlySessionID, scope.onlySessionID,
                    scope.keptSessionID, scope.keptSessionID,
                ]
            )
            let count = db.changesCount
            if scope.onlySessionID == nil {
                try db.execute(sql: "UPDATE accounts SET session_epoch = session_epoch + 1 WHERE id = ?", arguments: [scope.accountID])
            }
            if count > 0 { try Self.insertAudit(audit, in: db) }
            return count
        }
    }

    /// Records a reauthentication of the valid session `sessionID`, with its trail, in one transaction.
    public func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await write("record_authentication") { db in
            try db.execute(
                sql: "UPDATE sessions SET authenticated_at = ?, authentication_methods = ? WHERE id = ? AND valid = 1",
                arguments: [SQLiteCodec.millis(date), AuthenticationMethod.pack(methods), sessionID]
            )
            guard db.changesCount > 0 else { return false }
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// The sessions of an account, oldest first; revoked ones only when `includeInvalid`.
    public func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try await read("sessions") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteCodec.sessionColumns) FROM sessions s
                    WHERE s.account_id = ? AND (? OR s.valid = 1)
                    ORDER BY s.created_at, s.rowid
                    """,
                arguments: [accountID, includeInvalid]
            ).map { try SQLiteCodec.session($0) }
        }
    }

    /// Deletes the sessions that ended before `date` — past their absolute expiry, or revoked and last
    /// used before it — and returns how many.
    public func deleteSessions(endedBefore date: Date) async throws -> Int {
        try await write("delete_sessions") { db in
            let millis = SQLiteCodec.millis(date)
            try db.execute(
                sql: "DELETE FROM sessions WHERE expires_at < ? OR (valid = 0 AND last_used_at < ?)",
                arguments: [millis, millis]
            )
            return db.changesCount
        }
    }
}
