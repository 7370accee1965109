import Crypto
import CryptoExtras
import Foundation
import Gatehouse
import GatehouseSQLite

/// Benchmark 6: heap allocations per login, renewal and verification (reported; lower is better),
/// each beside the allocations of the one piece of work it cannot avoid.
struct AllocationBenchmark {
    let plan: BenchmarkPlan
    let workspace: Workspace

    func run() async throws -> [BenchmarkResult] {
        guard AllocationCounter.isAvailable else {
            throw BenchmarkError("allocations cannot be counted: the process does not use this executable's malloc")
        }
        let path = workspace.database("allocations")
        let store = try SQLiteStore(path: path, logger: Fixtures.logger)
        let (ring, hmacKey) = try Fixtures.keyRingWithHMACKey()
        let accounts = Accounts(store: store, options: Fixtures.accountsOptions(ring: ring))
        let hash = try await ScryptPasswordHasher().hash(AccountValidation.normalize(Fixtures.password))
        let users = try await Fixtures.createAccounts(1, prefix: "alloc", store: store, passwordHash: hash)
        return [
            try await verification(ring: ring, hmacKey: hmacKey),
            try await renewal(accounts: accounts, store: store, path: path, account: users[0], ring: ring),
            try await login(accounts: accounts, username: users[0].username),
        ]
    }

    private func perOperation(_ totals: AllocationCounter.Totals, _ count: Int) -> (allocations: Double, bytes: Double) {
        (Double(totals.allocations) / Double(count), Double(totals.bytes) / Double(count))
    }

    private func verification(ring: KeyRing, hmacKey: SymmetricKey) async throws -> BenchmarkResult {
        let codec = AuthTokenCodec()
        let key = ring.signingKey
        let now = Date()
        let issuedAt = Int64(now.timeIntervalSince1970)
        let random = SystemRandomSource()
        let claims = AuthTokenClaims(
            sessionID: BenchmarkIDs.ulid(at: now, random: random),
            accountID: BenchmarkIDs.ulid(at: now, random: random),
            issuedAt: issuedAt,
            expiresAt: issuedAt + 86_400,
            secret: random.bytes(32),
            userAgentHash: codec.userAgentHash(Fixtures.userAgent, key: key)
        )
        let token = codec.sign(claims, with: key)
        let bytes = Array(token.utf8)
        let signingInput = Array(bytes[..<(bytes.lastIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex)])
        let count = plan.allocationVerifications
        for _ in 0..<16 { blackHole(try TokenVerificationBenchmark.verify(token, codec: codec, ring: ring, now: issuedAt)) }

        let gatehouse = perOperation(
            try await AllocationCounter.count {
                for _ in 0..<count { blackHole(try TokenVerificationBenchmark.verify(token, codec: codec, ring: ring, now: issuedAt)) }
            },
            count
        )
        let baseline = perOperation(
            await AllocationCounter.count {
                for _ in 0..<count { blackHole(HMAC<SHA256>.authenticationCode(for: signingInput, using: hmacKey)) }
            },
            count
        )
        return BenchmarkResult(
            benchmark: "allocations",
            figure: "allocations per verification",
            unit: "allocs",
            gatehouse: gatehouse.allocations,
            baselineName: "HMAC-SHA256 over the same signed bytes",
            baseline: baseline.allocations,
            target: .report,
            notes: [
                "bytes allocated per verification: Gatehouse \(Format.number(gatehouse.bytes)), HMAC \(Format.number(baseline.bytes)); \(count) verifications."
            ]
        )
    }

    private func renewal(accounts: Accounts, store: SQLiteStore, path: String, account: Account, ring: KeyRing) async throws -> BenchmarkResult {
        let sessions = accounts.sessions
        var token = try await Fixtures.openSession(for: account, sessions: sessions)
        for _ in 0..<32 { token = try await Fixtures.rotate(token, with: sessions) }
        let count = plan.allocationRenewals
        var current = token
        let gatehouse = perOperation(
            try await AllocationCounter.count {
                for _ in 0..<count { current = try await Fixtures.rotate(current, with: sessions) }
            },
            count
        )

        // The floor: the compare-and-swap write alone, one transaction each, through GRDB.
        let naive = try NaiveSessionStore(base: store, path: path)
        let sessionID = try await sessionIdentifier(of: current, sessions: sessions)
        guard var record = try await store.session(id: sessionID) else { throw BenchmarkError("the session is gone") }
        func nextUpdate() -> SessionUpdate {
            let next = SystemRandomSource().bytes(32)
            let update = SessionUpdate(
                sessionID: record.id,
                expectedCurrentHash: record.currentHash,
                currentHash: next,
                previousHash: record.currentHash,
                rotatedAt: Date(),
                olderSecrets: [],
                currentPresented: false,
                lastUsedAt: Date(),
                ip: record.ip,
                userAgent: record.userAgent
            )
            record = record.applying(update)
            return update
        }
        for _ in 0..<32 { _ = try await naive.updateSessions([nextUpdate()]) }
        let updates = (0..<count).map { _ in nextUpdate() }
        let baseline = perOperation(
            try await AllocationCounter.count {
                for update in updates { _ = try await naive.updateSessions([update]) }
            },
            count
        )

        // The core alone, on the in-memory store, to tell the core's share from the database's.
        let memoryStore = MemoryStore()
        let memoryUser = try await Fixtures.createAccounts(1, prefix: "memory", store: memoryStore)[0]
        let memorySessions = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: memoryStore)
        var memoryToken = try await Fixtures.openSession(for: memoryUser, sessions: memorySessions)
        for _ in 0..<32 { memoryToken = try await Fixtures.rotate(memoryToken, with: memorySessions) }
        let core = perOperation(
            try await AllocationCounter.count {
                for _ in 0..<count { memoryToken = try await Fixtures.rotate(memoryToken, with: memorySessions) }
            },
            count
        )

        return BenchmarkResult(
            benchmark: "allocations",
            figure: "allocations per renewal",
            unit: "allocs",
            gatehouse: gatehouse.allocations,
            baselineName: "the compare-and-swap UPDATE alone, one GRDB write transaction",
            baseline: baseline.allocations,
            target: .report,
            notes: [
                "Sessions.authenticate(token:client:) on the SQLite file store, every request a rotation; \(count) renewals one after another.",
                "bytes allocated per renewal: Gatehouse \(Format.number(gatehouse.bytes)), UPDATE alone \(Format.number(baseline.bytes)).",
                "the same renewal on MemoryStore (the core's share): \(Format.number(core.allocations)) allocations, \(Format.number(core.bytes)) bytes.",
            ]
        )
    }

    private func sessionIdentifier(of token: String, sessions: Sessions) async throws -> String {
        try await sessions.verify(token: token, client: Fixtures.client).claims.sessionID
    }

    private func login(accounts: Accounts, username: String) async throws -> BenchmarkResult {
        let count = plan.allocationLogins
        _ = try await accounts.logIn(username: username, password: Fixtures.password, client: Fixtures.client)
        let gatehouse = perOperation(
            try await AllocationCounter.count {
                for _ in 0..<count { _ = try await accounts.logIn(username: username, password: Fixtures.password, client: Fixtures.client) }
            },
            count
        )
        let salt = SystemRandomSource().bytes(32)
        let password = Array(Fixtures.password.utf8)
        let derive = {
            try KDF.Scrypt.deriveKey(
                from: password,
                salt: salt,
                outputByteCount: 64,
                rounds: 1 << 15,
                blockSize: 8,
                parallelism: 1,
                maxMemory: 128 * 8 * (1 << 15) * 2 + 1 << 20
            )
        }
        _ = try derive()
        let baseline = perOperation(
            try await AllocationCounter.count {
                for _ in 0..<count { blackHole(try derive()) }
            },
            count
        )
        return BenchmarkResult(
            benchmark: "allocations",
            figure: "allocations per login",
            unit: "allocs",
            gatehouse: gatehouse.allocations,
            baselineName: "the scrypt derivation alone (N=2^15, r=8, p=1)",
            baseline: baseline.allocations,
            target: .report,
            notes: [
                "Accounts.logIn: account lookup, scrypt verification on the bounded pool, session insert and the first token; \(count) logins one after another.",
                "bytes allocated per login: Gatehouse \(Format.number(gatehouse.bytes)), scrypt alone \(Format.number(baseline.bytes)) (its 32 MiB working area).",
            ]
        )
    }
}
