import Gatehouse
import NIOCore
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// Throws `AccountError.Code.conflict` for an existing id and `AccountError.Code.userNotFound`
    /// when the account does not exist.
    public func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try await withConnection("insert_session") { connection in
            let inserted: Int
            do {
                // The account row is share-locked while the session is written: a concurrent change of its
                // epoch either commits first (and this insert sees it and writes nothing) or waits for it.
                inserted = try await Self.auditing(audit, on: connection, tookEffect: { $0 > 0 }) { connection in
                    try await Self.count(
                        """
                        WITH account AS (
                            SELECT account_id FROM accounts
                            WHERE account_id = \(session.accountID) AND NOT deactivated AND session_epoch = \(Int64(epoch))
                            FOR SHARE
                        )
                        INSERT INTO sessions (id, account_id, current_hash, previous_hash, rotated_at, older_secrets, current_presented,
                                              created_at, last_used_at, expires_at, valid, revoked_reason, ip, user_agent,
                                              authenticated_at, authentication_methods)
                        SELECT \(session.id), account_id, \(ByteBuffer(bytes: session.currentHash)),
                               \(session.previousHash.map { ByteBuffer(bytes: $0) }), \(session.rotatedAt.map(PostgresTime.millis)),
                               \(ByteBuffer(bytes: SupersededSecret.pack(session.olderSecrets))), \(session.currentPresented),
                               \(PostgresTime.millis(session.createdAt)), \(PostgresTime.millis(session.lastUsedAt)),
                               \(PostgresTime.millis(session.expiresAt)), \(session.valid), \(session.revokedReason?.rawValue),
                               \(session.ip), \(session.userAgent),
                               \(PostgresTime.millis(session.authenticatedAt)), \(AuthenticationMethod.pack(session.authenticationMethods))
                        FROM account
                        RETURNING 1
                        """,
                        on: connection
                    )
                }
            } catch let error where PostgresFailure.isUniqueViolation(error) {
                throw AccountError.conflict(.idTaken)
            }
            guard inserted == 0 else { return }
            let deactivated = try await Self.records(
                "SELECT deactivated FROM accounts WHERE account_id = \(session.accountID)",
                on: connection
            ) { cursor in try cursor.next(Bool.self) }
            guard let deactivated = deactivated.first else { throw AccountError.userNotFound }
            throw deactivated ? AccountError.userDeactivated : AccountError.conflict(.accountChanged)
        }
    }

    /// The session with this id, valid or not.
    public func session(id: String) async throws -> SessionRecord? {
        try await withConnection("session") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.session) FROM sessions s WHERE s.id = \(id)",
                on: connection,
                PostgresCodec.session
            ).first
        }
    }

    /// The per-request read: the session, its account and the account's primary contact in one
    /// query, one round trip. Concurrent reads share that query (see ``updateSessions(_:)`` for how
    /// callers are grouped).
    public func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        let deadline = ContinuousClock.now + operationTimeout
        let found = try await sessionLookups.submit([id]) { ids in
            try await self.lookUpSessions(ids, deadline: deadline)
        }
        return found.first?.map { ($0.session, $0.account) }
    }

    /// Applies each update only if its session is still valid and still has the expected current
    /// hash, and returns per update, in order, whether it was applied.
    ///
    /// Concurrent calls are grouped: callers arriving while a batch is in flight queue up and go
    /// together in the next one (up to 256 updates), as a single statement — one round trip — or a
    /// transaction when one session appears more than once. Once eight wait, a further batch starts
    /// beside those in flight, up to one per eighth of the pool's connections. Updates of the same
    /// session are applied in the order given, as if one after the other: the second occurrence runs in
    /// a later statement of the same transaction and sees the first. A call returns once the batch
    /// holding its updates has committed; if that batch fails, every call in it gets the error. No call
    /// waits longer than the operation timeout from the moment it was made.
    public func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        let deadline = ContinuousClock.now + operationTimeout
        return try await sessionWrites.submit(updates) { batch in
            try await self.applySessionUpdates(batch, deadline: deadline)
        }
    }

    /// Marks valid sessions of the account invalid in one statement (only `sessionID` when given, never
    /// `exceptSessionID`); returns how many changed. Once this returns, no instance accepts their tokens.
    public func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try await withConnection("revoke_sessions") { connection in
            let accountID = scope.accountID
            let reason = reason.rawValue
            let query: PostgresQuery =
                switch scope {
                case .allSessions:
                    "UPDATE sessions SET valid = FALSE, revoked_reason = \(reason) WHERE account_id = \(accountID) AND valid RETURNING 1"
                case .session(let sessionID, _):
                    "UPDATE sessions SET valid = FALSE, revoked_reason = \(reason) WHERE account_id = \(accountID) AND id = \(sessionID) AND valid RETURNING 1"
                case .allSessionsExcept(let keptSessionID, _):
                    "UPDATE sessions SET valid = FALSE, revoked_reason = \(reason) WHERE account_id = \(accountID) AND id <> \(keptSessionID) AND valid RETURNING 1"
                }
            guard scope.onlySessionID == nil else {
                return try await Self.auditing(audit, on: connection, tookEffect: { $0 > 0 }) { connection in
                    try await Self.count(query, on: connection)
                }
            }
            // The epoch first: its row lock waits for a login that is writing its session, so the
            // revocation that follows sees that session and ends it too.
            return try await Self.transaction(on: connection) { connection in
                try await connection.query(
                    "UPDATE accounts SET session_epoch = session_epoch + 1 WHERE account_id = \(accountID)",
                    logger: Self.queryLogger
                )
                let count = try await Self.count(query, on: connection)
                if count > 0 { try await Self.insertAudit(audit, on: connection) }
                return count
            }
        }
    }

    /// Records a reauthentication of the valid session `sessionID`, with its trail, in one transaction.
    public func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await withConnection("record_authentication") { connection in
            let changed = try await Self.auditing(audit, on: connection, tookEffect: { $0 > 0 }) { connection in
                try await Self.count(
                    """
                    UPDATE sessions SET authenticated_at = \(PostgresTime.millis(date)), authentication_methods = \(AuthenticationMethod.pack(methods))
                    WHERE id = \(sessionID) AND valid RETURNING 1
                    """,
                    on: connection
                )
            }
            return changed > 0
        }
    }

    /// The account's sessions, oldest first; only valid ones unless `includeInvalid`.
    public func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try await withConnection("sessions") { connection in
            let query: PostgresQuery =
                includeInvalid
                ? "SELECT \(unescaped: PostgresCodec.session) FROM sessions s WHERE s.account_id = \(accountID) ORDER BY s.seq"
                : "SELECT \(unescaped: PostgresCodec.session) FROM sessions s WHERE s.account_id = \(accountID) AND s.valid ORDER BY s.seq"
            return try await Self.records(query, on: connection, PostgresCodec.session)
        }
    }

    /// Deletes sessions past their absolute expiry, or revoked and last used, before `date`; returns the count.
    public func deleteSessions(endedBefore date: Date) async throws -> Int {
        let millis = PostgresTime.millis(date)
        return try await withConnection("delete_sessions") { connection in
            try await Self.records(
                """
                WITH deleted AS (
                    DELETE FROM sessions WHERE expires_at < \(millis) OR (NOT valid AND last_used_at < \(millis)) RETURNING 1
                )
                SELECT count(*) FROM deleted
                """,
                on: connection
            ) { cursor in
                Int(try cursor.next(Int64.self))
            }.first ?? 0
        }
    }

    // MARK: Batches

    /// How many batches of reads, and as many of writes, may be in flight at once on a pool of
    /// `connections`: an eighth of it each (two of each on the default pool of 20), so that most of the
    /// pool stays free for everything else. Fewer, larger batches cost less CPU per rotation: each
    /// batch pays a round of task and event-loop wake-ups, whatever its size.
    static func concurrentBatches(connections: Int) -> Int {
        max(1, connections / 8)
    }

    /// How many reads (or writes) must be waiting before a further batch of them starts beside one in
    /// flight. A batch of a few rows costs this process about what one of a single row does — a round of
    /// task and event-loop wake-ups and a socket write each way — and the database about as much too, so
    /// a second batch only starts once it has something to carry; until then callers join the next one.
    static let concurrentBatchThreshold = 8

    /// Runs the work of a whole batch on a pooled connection. The batch's leader is its oldest caller, so
    /// its `deadline` is the earliest of the batch. The work runs in a task of its own: the leader being
    /// cancelled must not fail the others waiting on it.
    private func withBatchConnection<Result: Sendable>(
        _ operation: StaticString,
        deadline: ContinuousClock.Instant,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await Task { try await self.withConnection(operation, timeout: deadline - .now, body) }.value
    }

    /// Reads the sessions of a batch of requests in one query.
    private func lookUpSessions(_ ids: [String], deadline: ContinuousClock.Instant) async throws -> [PostgresSessionLookup.Row?] {
        let rows = try await withBatchConnection("session_with_account", deadline: deadline) { connection in
            var rows: [PostgresSessionLookup.Row] = []
            for try await row in try await connection.execute(PostgresSessionLookup(ids: ids), logger: Self.queryLogger) {
                rows.append(row)
            }
            return rows
        }
        if ids.count == 1 { return [rows.first] }
        var byID: [String: PostgresSessionLookup.Row] = [:]
        byID.reserveCapacity(rows.count)
        for row in rows { byID[row.session.id] = row }
        return ids.map { byID[$0] }
    }

    /// Applies a batch of updates in one statement, or one transaction of a statement per round when a
    /// session appears more than once.
    private func applySessionUpdates(_ updates: [SessionUpdate], deadline: ContinuousClock.Instant) async throws -> [Bool] {
        let rounds = Self.rounds(updates)
        let applied = try await withBatchConnection("update_sessions", deadline: deadline) { connection in
            let commitMillis = self.commitClock.map { PostgresTime.millis($0.now()) }
            if rounds.count == 1 {
                return try await Self.apply(rounds[0], of: updates, commitMillis: commitMillis, on: connection)
            }
            return try await Self.transaction(on: connection) { connection in
                var applied = Set<Int>()
                for round in rounds {
                    applied.formUnion(try await Self.apply(round, of: updates, commitMillis: commitMillis, on: connection))
                }
                return applied
            }
        }
        return updates.indices.map(applied.contains)
    }

    /// Splits a batch into rounds in which each session appears at most once: the n-th update of a
    /// session goes into round n.
    private static func rounds(_ updates: [SessionUpdate]) -> [[Int]] {
        var seen: [String: Int] = [:]
        var rounds: [[Int]] = []
        for (index, update) in updates.enumerated() {
            let round = seen[update.sessionID, default: 0]
            seen[update.sessionID] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(index)
        }
        return rounds
    }

    /// Applies the updates at `indices` (distinct sessions) in one statement; returns the indices
    /// that were applied.
    private static func apply(
        _ indices: [Int],
        of updates: [SessionUpdate],
        commitMillis: Int64?,
        on connection: PostgresConnection
    ) async throws -> Set<Int> {
        if indices.count == 1, let index = indices.first {
            var applied = false
            let statement = PostgresSessionUpdateStatement(update: updates[index], commitMillis: commitMillis)
            for try await row in try await connection.execute(statement, logger: queryLogger) {
                applied = applied || row
            }
            return applied ? [index] : []
        }
        // Many rows in one statement: the columns travel as arrays, zipped back into rows by
        // `unnest`, and each applied row reports its position in the batch. Arrays cannot hold
        // NULLs here, so nullable columns travel with a flag.
        let batch = indices.map { updates[$0] }
        let query: PostgresQuery = """
            UPDATE sessions AS s SET
                current_hash = u.current_hash,
                previous_hash = CASE WHEN u.has_previous THEN u.previous_hash END,
                rotated_at = CASE WHEN u.takes_commit_time THEN stamp.t WHEN u.has_rotated_at THEN u.rotated_at END,
                older_secrets = u.older_secrets,
                current_presented = u.current_presented,
                last_used_at = CASE WHEN u.takes_commit_time THEN stamp.t ELSE u.last_used_at END,
                ip = u.ip,
                user_agent = u.user_agent
            FROM unnest(
                \(batch.map(\.sessionID))::text[],
                \(batch.map { ByteBuffer(bytes: $0.expectedCurrentHash) })::bytea[],
                \(batch.map { ByteBuffer(bytes: $0.currentHash) })::bytea[],
                \(batch.map { $0.previousHash != nil })::boolean[],
                \(batch.map { ByteBuffer(bytes: $0.previousHash ?? []) })::bytea[],
                \(batch.map { $0.rotatedAt != nil })::boolean[],
                \(batch.map { $0.rotatedAt.map(PostgresTime.millis) ?? 0 })::bigint[],
                \(batch.map { ByteBuffer(bytes: SupersededSecret.pack($0.olderSecrets)) })::bytea[],
                \(batch.map(\.currentPresented))::boolean[],
                \(batch.map { PostgresTime.millis($0.lastUsedAt) })::bigint[],
                \(batch.map(\.ip))::text[],
                \(batch.map(\.userAgent))::text[],
                \(batch.map(\.takesCommitTime))::boolean[],
                \(batch.map { $0.expectedPreviousHash != nil })::boolean[],
                \(batch.map { ByteBuffer(bytes: $0.expectedPreviousHash ?? []) })::bytea[],
                \(batch.map(\.requiresUnpresentedCurrent))::boolean[]
            ) WITH ORDINALITY AS u(id, expected_hash, current_hash, has_previous, previous_hash, has_rotated_at, rotated_at,
                                   older_secrets, current_presented, last_used_at, ip, user_agent, takes_commit_time,
                                   has_expected_previous, expected_previous, requires_unpresented, position),
                 (SELECT COALESCE(\(commitMillis), \(unescaped: PostgresSQL.nowMillis)) AS t) AS stamp
            WHERE s.id = u.id AND s.current_hash = u.expected_hash AND s.valid
              AND (NOT u.has_expected_previous OR s.previous_hash = u.expected_previous)
              AND (NOT u.requires_unpresented OR NOT s.current_presented)
            RETURNING u.position
            """
        let positions = try await records(query, on: connection) { cursor in Int(try cursor.next(Int64.self)) }
        return Set(positions.map { indices[$0 - 1] })
    }
}
