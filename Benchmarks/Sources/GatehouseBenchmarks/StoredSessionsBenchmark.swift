import Crypto
import Foundation
import GRDB
import Gatehouse
import GatehouseSQLite
import GatehouseTesting

/// Benchmark 4: the latency of one rotation when the database holds few sessions against when it
/// holds many, and what a stored session costs in bytes.
struct StoredSessionsBenchmark {
    let plan: BenchmarkPlan
    let workspace: Workspace

    /// Accounts in both databases, so that only the number of sessions differs.
    static let accountCount = 1_000

    /// One filled database, open and ready to rotate its sampled sessions.
    final class Database {
        let sessionCount: Int
        let databaseBytes: Int64
        let fillSeconds: Double
        let store: SQLiteStore
        let sessions: Sessions
        var tokens: [String]
        var next = 0
        var latencies: [Double] = []

        init(sessionCount: Int, databaseBytes: Int64, fillSeconds: Double, store: SQLiteStore, sessions: Sessions, tokens: [String]) {
            self.sessionCount = sessionCount
            self.databaseBytes = databaseBytes
            self.fillSeconds = fillSeconds
            self.store = store
            self.sessions = sessions
            self.tokens = tokens
        }

        var mean: Double { Statistics.mean(latencies) ?? 0 }

        /// Rotates the sampled sessions one after another, in table order, for `seconds` (at most
        /// `cap` rotations); records each latency when `recording`.
        func rotate(seconds: Double, recording: Bool, cap: Int = 500_000) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now + .nanoseconds(Int64(seconds * 1e9))
            var count = 0
            while clock.now < deadline, count < cap {
                let slot = next % tokens.count
                let start = clock.now
                tokens[slot] = try await Fixtures.rotate(tokens[slot], with: sessions)
                if recording { latencies.append((clock.now - start).fractionalSeconds) }
                next += 1
                count += 1
            }
        }
    }

    func run() async throws -> BenchmarkResult {
        let ring = try Fixtures.keyRing()
        let few = try await prepare(sessions: plan.fewSessions, ring: ring)
        let many = try await prepare(sessions: plan.manySessions, ring: ring)
        let rounds = 4
        // Both stores run their WAL checkpointers, as in `gatehouse serve`.
        try await Fixtures.withCheckpointers([few.store, many.store]) {
            try await few.rotate(seconds: plan.warmUpSeconds, recording: false)
            try await many.rotate(seconds: plan.warmUpSeconds, recording: false)
            // Alternating rounds, so that load drifting during the run weighs on both databases alike.
            for _ in 0..<rounds {
                try await few.rotate(seconds: plan.scaleSeconds / Double(rounds), recording: true)
                try await many.rotate(seconds: plan.scaleSeconds / Double(rounds), recording: true)
            }
        }
        let perSession = Double(many.databaseBytes - few.databaseBytes) / Double(many.sessionCount - few.sessionCount)
        func describe(_ database: Database) -> String {
            let sorted = database.latencies.sorted()
            return
                "\(Format.grouped(database.sessionCount)) sessions: mean \(Format.microseconds(database.mean)), p50 \(Format.microseconds(Statistics.percentile(50, ofSorted: sorted) ?? 0)), p99 \(Format.microseconds(Statistics.percentile(99, ofSorted: sorted) ?? 0)) over \(Format.grouped(sorted.count)) rotations"
        }
        var notes = [
            describe(few), describe(many),
            "database bytes per session: \(Format.number(perSession)) (the file's growth from \(Format.grouped(few.sessionCount)) to \(Format.grouped(many.sessionCount)) sessions, indexes included; \(Format.number(Double(many.databaseBytes) / 1_048_576)) MiB in all).",
            "both stores run their WAL checkpointer (checkpoints off the commit path, as in `gatehouse serve`).",
            "one client rotating sessions spread evenly over the table (\(Format.grouped(few.tokens.count)) and \(Format.grouped(many.tokens.count)) distinct sessions), so reads and writes land all over the file; both databases hold \(Format.grouped(Self.accountCount)) accounts; \(rounds) alternating rounds per database.",
            "the \(Format.grouped(many.sessionCount)) sessions were written in one transaction of INSERTs in \(Format.number(many.fillSeconds)) s.",
        ]
        if plan.quick { notes.insert("quick run: \(Format.grouped(plan.manySessions)) instead of 1,000,000 stored sessions.", at: 0) }
        return BenchmarkResult(
            benchmark: "scale",
            figure: "rotation latency (mean), \(Format.grouped(many.sessionCount)) vs \(Format.grouped(few.sessionCount)) sessions",
            unit: "µs",
            gatehouse: many.mean * 1e6,
            baselineName: "the same rotation with \(Format.grouped(few.sessionCount)) stored sessions",
            baseline: few.mean * 1e6,
            target: .atMost(1.3),
            notes: notes
        )
    }

    private func prepare(sessions count: Int, ring: KeyRing) async throws -> Database {
        let path = workspace.database("sessions-\(count)")
        // Opening the store once creates the schema; the filling connection is closed before the
        // measured store opens.
        _ = try SQLiteStore(path: path, logger: Fixtures.logger)
        Progress.say("  filling \(Format.grouped(count)) sessions")
        let fillStart = ContinuousClock.now
        let samples = try Self.fill(path: path, sessions: count, sampled: min(plan.scaleSampledSessions, count), ring: ring)
        let fillSeconds = (ContinuousClock.now - fillStart).fractionalSeconds
        let databaseBytes = Self.fileSize(path)
        let store = try SQLiteStore(path: path, logger: Fixtures.logger)
        let sessions = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: store)
        return Database(
            sessionCount: count,
            databaseBytes: databaseBytes,
            fillSeconds: fillSeconds,
            store: store,
            sessions: sessions,
            tokens: samples
        )
    }

    /// Writes the accounts and `sessions` sessions in one transaction, and returns a valid token for
    /// each of `sampled` sessions spread evenly over the table (in table order, so consecutive
    /// rotations hit distant rows).
    private static func fill(path: String, sessions count: Int, sampled: Int, ring: KeyRing) throws -> [String] {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // Only for filling: the file is thrown away if this process dies.
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -262144")
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let key = ring.signingKey
        let codec = AuthTokenCodec()
        let now = Date()
        let issuedAt = Int64(now.timeIntervalSince1970)
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        let filler = SeededRandomSource(seed: UInt64(count))
        let secrets = SystemRandomSource()
        let userAgentHash = codec.userAgentHash(Fixtures.userAgent, key: key)
        let sampleStride = max(1, count / sampled)

        let tokens: [String] = try queue.write { db in
            var accountIDs: [String] = []
            let insertAccount = try db.makeStatement(
                sql: """
                    INSERT INTO accounts (id, username, email, permissions, password_hash, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'unused', ?, ?)
                    """
            )
            let insertContact = try db.makeStatement(
                sql: """
                    INSERT INTO contacts (account_id, kind, value, is_primary, created_at) VALUES (?, 'email', ?, 1, ?)
                    """
            )
            for index in 0..<accountCount {
                let id = BenchmarkIDs.ulid(at: now, random: filler)
                let email = "scale\(index)@example.com"
                try insertAccount.execute(arguments: [id, "scale\(index)", email, "[\"admin_profile:\(id)\"]", nowMillis, nowMillis])
                try insertContact.execute(arguments: [id, email, nowMillis])
                accountIDs.append(id)
            }

            let insertSession = try db.makeStatement(
                sql: """
                    INSERT INTO sessions (id, account_id, current_hash, created_at, last_used_at, expires_at, ip, user_agent)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            var tokens: [String] = []
            let start = now.addingTimeInterval(-10 * 86_400)
            for index in 0..<count {
                // Creation times spread over ten days, in id order, as logins would leave them.
                let createdAt = start.addingTimeInterval(Double(index) * 8 * 86_400 / Double(count))
                let id = BenchmarkIDs.ulid(at: createdAt, random: filler)
                let accountID = accountIDs[index % accountIDs.count]
                let hash: [UInt8]
                if index % sampleStride == 0, tokens.count < sampled {
                    let secret = secrets.bytes(AuthTokenClaims.secretByteCount)
                    hash = Array(SHA256.hash(data: secret))
                    let claims = AuthTokenClaims(
                        sessionID: id,
                        accountID: accountID,
                        issuedAt: issuedAt,
                        expiresAt: issuedAt + 7 * 86_400,
                        secret: secret,
                        userAgentHash: userAgentHash
                    )
                    tokens.append(codec.sign(claims, with: key))
                } else {
                    hash = filler.bytes(32)
                }
                let created = Int64(createdAt.timeIntervalSince1970 * 1000)
                // Active sessions: each used within the last hour.
                let lastUsed = nowMillis - Int64(index % 3_600) * 1_000
                try insertSession.execute(arguments: [
                    id, accountID, Data(hash), created, lastUsed, created + 30 * 86_400_000,
                    "198.51.100.\(index % 250)", Fixtures.userAgent,
                ])
            }
            return tokens
        }
        try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        try queue.close()
        return tokens
    }

    private static func fileSize(_ path: String) -> Int64 {
        var total: Int64 = 0
        for suffix in ["", "-wal"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        }
        return total
    }
}
