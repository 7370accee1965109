import Foundation
import Gatehouse
import GatehousePostgres
import GatehouseTesting
import Synchronization
import Testing

/// Two Gatehouse instances, each with its own `PostgresStore` (its own connection pool), on one
/// database: what a load balancer in front of several servers relies on.
@Suite("PostgreSQL: two instances on one database", .postgresConfigured)
struct PostgresTwoInstanceTests {
    @Test("A token issued by A is accepted by B, and B's renewal by A")
    func tokenCrossesInstances() async throws {
        try await withTwoInstances { a, b in
            try await a.createUser()
            let (login, _) = try await a.login()

            let onB = try await b.send(login.authToken)
            #expect(onB.user?.username == TwoInstanceWorld.username)
            #expect(onB.tokenRenewed)
            let renewed = try #require(onB.authToken)

            let onA = try await a.send(renewed)
            #expect(onA.user?.accountID == login.account.accountID)
            #expect(onA.session?.id == login.sessionDocument.id)
        }
    }

    @Test("A session revoked on B is refused by A at once")
    func revocationIsImmediate() async throws {
        try await withTwoInstances { a, b in
            try await a.createUser()
            let (login, _) = try await a.login()
            let onB = try await b.send(login.authToken)
            let current = try #require(onB.authToken)

            try await b.accounts.logout(authToken: current, request: onB)

            await expectAccountError(.invalidSession) { _ = try await a.send(current) }
            await expectAccountError(.invalidSession) { _ = try await a.send(login.authToken) }
            let stored = try await a.store.session(id: login.sessionDocument.id)
            #expect(stored?.valid == false)
            #expect(stored?.revokedReason == RevocationReason.logout)
        }
    }

    @Test("The same token sent to A and B at the same moment rotates once, and both succeed", arguments: 0..<8)
    func simultaneousRequestsRotateOnce(round: Int) async throws {
        try await withTwoInstances { a, b in
            try await a.createUser()
            let (login, _) = try await a.login()
            let token = login.authToken

            let outcomes = try await withThrowingTaskGroup(of: (renewed: Bool, token: String?).self) { group in
                for world in [a, b] {
                    group.addTask {
                        let request = try await world.send(token)
                        return (request.tokenRenewed, request.authToken)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            #expect(outcomes.count == 2)
            #expect(outcomes.filter(\.renewed).count == 1)
            let stored = try #require(try await a.store.session(id: login.sessionDocument.id))
            #expect(stored.valid)
            #expect(stored.revokedReason == nil)
            // One rotation: the presented token is the previous one, nothing older is remembered.
            #expect(stored.previousHash == (try await a.secretDigest(of: token)))
            #expect(stored.olderSecrets.isEmpty)
            let winner = try #require(outcomes.first(where: \.renewed)?.token)
            #expect(stored.currentHash == (try await a.secretDigest(of: winner)))
            // The new token works on both; no theft alarm went off.
            _ = try await b.send(winner)
            #expect(a.thefts.value == 0 && b.thefts.value == 0)
        }
    }

    @Test("An account created on A logs in on B")
    func accountCrossesInstances() async throws {
        try await withTwoInstances { a, b in
            let created = try await a.createUser()
            #expect(try await b.accounts.findUser(username: TwoInstanceWorld.username)?.accountID == created.accountID)
            let (login, _) = try await b.login()
            #expect(login.account.accountID == created.accountID)
            #expect(try await a.send(login.authToken).user?.accountID == created.accountID)
        }
    }

    @Test("The same username created on A and B at once: exactly one succeeds", arguments: 0..<5)
    func concurrentUsername(round: Int) async throws {
        try await withTwoInstances { a, b in
            let results = await withTaskGroup(of: Result<String, AccountError>.self) { group in
                for (world, email) in [(a, "first@example.com"), (b, "second@example.com")] {
                    group.addTask {
                        do {
                            return .success(try await world.createUser(email: email).accountID)
                        } catch let error as AccountError {
                            return .failure(error)
                        } catch {
                            return .failure(AccountError.invalidRequest())
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.compactMap { try? $0.get() }
            let losers = results.compactMap { result -> AccountError? in
                if case .failure(let error) = result { return error }
                return nil
            }
            #expect(winners.count == 1)
            #expect(losers.map(\.code) == [.conflict])
            #expect(losers.first?.message.contains("username") == true)
            let stored = try await a.store.accounts(limit: 10, offset: 0)
            #expect(stored.map(\.accountID) == winners)
        }
    }

    @Test("The same e-mail used on A and B at once: exactly one account gets it")
    func concurrentEmail() async throws {
        try await withTwoInstances { a, b in
            async let first = outcome { try await a.createUser("alpha", email: "shared@example.com") }
            async let second = outcome { try await b.createUser("bravo", email: "shared@example.com") }
            let results = await [first, second]
            #expect(results.filter { (try? $0.get()) != nil }.count == 1)
            let failure = results.compactMap { result -> (any Error)? in
                if case .failure(let error) = result { return error }
                return nil
            }.first
            #expect((failure as? AccountError)?.code == .conflict)
            #expect((failure as? AccountError)?.detail == .contactTaken)
            let stored = try await a.store.accounts(limit: 10, offset: 0)
            #expect(stored.count == 1)
        }
    }

    @Test("Signing keys added on A and B at once leave exactly one signing key", arguments: 0..<3)
    func concurrentSigningKeys(round: Int) async throws {
        try await withTwoInstances { a, b in
            try await a.store.insertSigningKey(Fixture.signingKey("k-0", signing: true))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (world, kid) in [(a, "k-a"), (b, "k-b")] {
                    group.addTask { try await world.store.insertSigningKey(Fixture.signingKey(kid, signing: true, at: 10)) }
                }
                try await group.waitForAll()
            }
            let keys = try await b.store.signingKeys()
            #expect(Set(keys.map(\.kid)) == ["k-0", "k-a", "k-b"])
            #expect(keys.filter(\.isSigning).count == 1)
            #expect(keys.last?.isSigning == true, "the key added last signs")
        }
    }

    @Test("Couriers on A and B claiming at once never get the same message", arguments: 0..<3)
    func concurrentClaims(round: Int) async throws {
        try await withTwoInstances { a, b in
            let messages = (0..<60).map { index in Fixture.message("m-\(index < 10 ? "0" : "")\(index)", dueAt: index) }
            try await a.store.enqueue(messages)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<12 {
                    let store = index.isMultiple(of: 2) ? a.store : b.store
                    group.addTask {
                        try await store.claimMessages(channel: .mail, limit: 5, leaseUntil: Fixture.date(1_000), at: Fixture.date(100)).map(\.id)
                    }
                }
                var claims: [[String]] = []
                for try await ids in group { claims.append(ids) }
                return claims
            }
            #expect(claims.allSatisfy { $0.count <= 5 })
            // Twelve claims of five over sixty messages: every message once, none twice.
            #expect(claims.flatMap { $0 }.sorted() == messages.map(\.id))
            #expect(try await b.store.message(id: "m-00")?.leasedUntil == Fixture.date(1_000))
        }
    }

    @Test("Two instances migrating a new database at once both succeed, and migrate once")
    func concurrentMigrations() async throws {
        try await PostgresTestSupport.withSchema { schema in
            let stores = try (0..<4).map { _ in try PostgresTestSupport.makeStore(schema: schema) }
            try await PostgresTestSupport.running(stores) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for store in stores { group.addTask { try await store.migrate() } }
                    try await group.waitForAll()
                }
                let applied = try await stores[0].appliedMigrations()
                #expect(applied.count == Set(applied).count)
                #expect(!applied.isEmpty)
                try await stores[1].migrate()
                #expect(try await stores[2].appliedMigrations() == applied)
                // The tables are there and usable from any of them.
                try await Fixture.create(Fixture.account("alice"), in: stores[3])
                #expect(try await stores[0].account(username: "alice") != nil)
            }
        }
    }

    // MARK: Worlds

    private func outcome<Value: Sendable>(_ body: @Sendable () async throws -> Value) async -> Result<Value, any Error> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    /// Runs `body` with two instances on one fresh schema, sharing a clock as servers share time.
    private func withTwoInstances(_ body: (TwoInstanceWorld, TwoInstanceWorld) async throws -> Void) async throws {
        try await PostgresTestSupport.withSchema { schema in
            let clock = ManualWallClock()
            let storeA = try PostgresTestSupport.makeStore(schema: schema, commitClock: clock)
            let storeB = try PostgresTestSupport.makeStore(schema: schema, commitClock: clock)
            try await PostgresTestSupport.running([storeA, storeB]) {
                try await storeA.migrate()
                try await body(TwoInstanceWorld(store: storeA, clock: clock), TwoInstanceWorld(store: storeB, clock: clock))
            }
        }
    }
}

/// One Gatehouse instance: its own `Accounts`, on its own store.
struct TwoInstanceWorld: Sendable {
    static let username = "antoniopresto"
    static let password = "correct horse battery"
    static let secret = "a shared signing secret of enough length"

    let store: PostgresStore
    let accounts: Accounts
    /// Theft alarms raised by this instance.
    let thefts = Counter()

    init(store: PostgresStore, clock: ManualWallClock) {
        self.store = store
        var sessionOptions = SessionsOptions(getTokenSecret: { _ in Self.secret })
        sessionOptions.clock = clock
        sessionOptions.logger = testLogger
        var options = AccountsOptions(sessions: sessionOptions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        options.loginThrottle = nil
        accounts = Accounts(store: store, options: options)
        let thefts = thefts
        try? accounts.sessions.onTokenTheft.push("count") { _, _ in
            thefts.increment()
            return .next
        }
    }

    @discardableResult
    func createUser(_ username: String = Self.username, email: String = "antonio@example.com") async throws -> Account {
        try await accounts.createAccount(CreateAccountInput(username: username, email: email, password: Self.password))
    }

    func login() async throws -> (LoginResult, SessionRequest) {
        let request = Self.request()
        let result = try await accounts.userByPasswordLogin(username: Self.username, password: Self.password, request: request)
        return (result, request)
    }

    /// Sends `token` as a new request and returns the request once handled.
    func send(_ token: String) async throws -> SessionRequest {
        try await accounts.handleRequest(Self.request(token: token))
    }

    /// The digest the store keeps for `token`'s secret.
    func secretDigest(of token: String) async throws -> [UInt8] {
        let verified = try await accounts.sessions.verifyToken(token, request: Self.request(token: token))
        return SecretDigest.sha256(verified.claims.secret)
    }

    static func request(token: String? = nil) -> SessionRequest {
        SessionRequest(authToken: token, requestIp: "203.0.113.9", userAgent: "TwoInstanceTests/1.0", onCallDestroySession: { _ in })
    }
}

/// A thread-safe count.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
