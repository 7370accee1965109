import Crypto
import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseTesting
import Logging
import Testing

/// 1,200 concurrent tasks against one SQLite file: sign-ups racing for the same usernames, logins,
/// renewals that share tokens (as a browser's parallel requests do), logouts, "log out everywhere",
/// and a clock jump past the grace period halfway so that stale tokens turn into theft. Afterwards
/// every invariant of DESIGN §4 is checked against the store.
@Suite("Concurrency stress on SQLite", .serialized)
struct SessionStressTests {
    static let taskCount = 1_200
    static let userAgent = "stress/1"
    static let usernames = (0..<24).map { "user\($0)" }
    static let password = "correct horse battery"

    /// What a stressed request may legitimately fail with: a session ended by a concurrent logout,
    /// revoke-all or theft detection, or a second logout of one session.
    static let expectedCodes: Set<AccountError.Code> = [.invalidSession, .tokenTheftDetected, .sessionNotFound]

    enum Operation: CaseIterable {
        case signUp, login, renew, logout, revokeAll
    }

    static func operation(_ random: inout SplitMix) -> Operation {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<10: .signUp
        case 10..<22: .login
        case 22..<94: .renew
        case 94..<99: .logout
        default: .revokeAll
        }
    }

    @Test("1,200 concurrent logins, shared-token renewals, logouts and revoke-alls keep every invariant", .timeLimit(.minutes(5)))
    func stress() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-stress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualWallClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, clock: clock)

        var sessionOptions = SessionsOptions(getTokenSecret: { _ in "stress-test-signing-secret-0123456789abcdef" })
        sessionOptions.clock = clock
        sessionOptions.logger = Logger(label: "gatehouse.stress", factory: { _ in SwiftLogNoOpLogHandler() })
        var options = AccountsOptions(sessions: sessionOptions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        options.loginThrottle = nil
        let accounts = Accounts(store: store, options: options)
        let ledger = StressLedger()

        // A starting population, so the first renewals have sessions to work on.
        for username in Self.usernames.prefix(12) {
            ledger.created(
                try await accounts.createAccount(CreateAccountInput(username: username, email: "\(username)@example.com", password: Self.password))
            )
            for _ in 0..<4 { try await Self.login(username, accounts: accounts, ledger: ledger) }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<Self.taskCount {
                group.addTask {
                    var random = SplitMix(seed: UInt64(index) &* 7_919 &+ 17)
                    var operation = Self.operation(&random)
                    // Endings start once renewals are under way, so sessions live long enough to chain.
                    if index < Self.taskCount / 4, operation == .logout || operation == .revokeAll { operation = .renew }
                    try await Self.perform(operation, random: &random, clock: clock, accounts: accounts, ledger: ledger)
                }
            }
            try await group.waitForAll()
        }

        let seen = ledger.snapshot
        #expect(seen.unexpected.isEmpty, "unexpected failures: \(seen.unexpected.prefix(5))")
        try await Self.checkAccounts(store: store, seen: seen)
        try await Self.checkOneCurrentSecret(store: store, seen: seen)
        Self.checkRevocationIsImmediate(seen: seen)
        try await Self.checkRevokedTokensAreRefused(store: store, accounts: accounts, seen: seen)
        #expect(try await store.integrityCheck() == ["ok"])
        let total = seen.successes.count + seen.expectedFailures.values.reduce(0, +)
        #expect(total > Self.taskCount / 2, "the run did real work (\(seen.successes.count) authenticated, \(seen.expectedFailures))")
    }

    // MARK: Operations

    static func request(_ token: String? = nil) -> SessionRequest {
        SessionRequest(authToken: token, requestIp: "127.0.0.1", userAgent: userAgent)
    }

    static func login(_ username: String, accounts: Accounts, ledger: StressLedger) async throws {
        let result = try await accounts.userByPasswordLogin(username: username, password: password, request: request())
        ledger.loggedIn(result.authToken, session: result.sessionDocument.id, account: result.account.accountID, at: .now)
    }

    static func perform(_ operation: Operation, random: inout SplitMix, clock: ManualWallClock, accounts: Accounts, ledger: StressLedger) async throws
    {
        switch operation {
        case .signUp:
            let username = usernames.randomElement(using: &random)!
            do {
                ledger.created(
                    try await accounts.createAccount(CreateAccountInput(username: username, email: "\(username)@example.com", password: password))
                )
            } catch let error as AccountError where error.code == .conflict {
                ledger.refusedSignUp()
            }
        case .login:
            let username = usernames.randomElement(using: &random)!
            do {
                try await login(username, accounts: accounts, ledger: ledger)
            } catch let error as AccountError where error.code == .loginFailed {
                // Not signed up (yet): sign-ups race with logins on purpose.
            } catch let error as AccountError where error.code == .authenticationFailed && error.detail == .accountChanged {
                // Every session of the account ended while the password was checked: the login makes none.
            }
        case .renew, .logout, .revokeAll:
            // Spread the picks out: tasks that all pick before any renewal returns would only ever
            // share login tokens.
            for _ in 0..<Int.random(in: 0...3, using: &random) { await Task.yield() }
            guard let (session, picked) = ledger.pickToken(using: &random) else { return }
            // A client's run of requests, each with the token the previous one handed back.
            var handled: SessionRequest?
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let started = ContinuousClock.now
                do {
                    let next = try await accounts.handleRequest(request(handled?.authToken ?? picked))
                    guard let account = next.user, let current = next.authToken else {
                        ledger.failed(AccountError.unauthorized, expected: [])
                        return
                    }
                    ledger.succeeded(session: session, started: started)
                    // Time moves with the work (about a minute over the run, twice the grace period),
                    // so superseded tokens age into lost responses (successor never used) or theft.
                    if Int.random(in: 0..<60, using: &random) == 0 { clock.advance(by: 2.5) }
                    if next.tokenRenewed { ledger.issued(current, session: session, account: account.accountID) }
                    handled = next
                } catch {
                    if (error as? AccountError)?.code == .tokenTheftDetected { ledger.revoked(session, at: .now) }
                    ledger.failed(error, expected: expectedCodes)
                    return
                }
            }
            guard let handled, let account = handled.user, let current = handled.authToken else { return }
            do {
                switch operation {
                case .logout:
                    try await accounts.logout(authToken: current, request: handled)
                    ledger.revoked(session, at: .now)
                case .revokeAll:
                    // Only sessions whose login had returned before this started are surely covered.
                    let before = ContinuousClock.now
                    let covered = ledger.sessions(ofAccount: account.accountID).filter { ($0.loggedInAt ?? before) < before }
                    _ = try await accounts.sessions.invalidateSessions(.all, accountID: account.accountID, request: handled)
                    let done = ContinuousClock.now
                    for session in covered { ledger.revoked(session.id, at: done) }
                default:
                    break
                }
            } catch {
                ledger.failed(error, expected: expectedCodes)
            }
        }
    }

    // MARK: Invariants

    /// Every successful sign-up is stored exactly once; every refused one was a taken username; no
    /// username is held twice.
    static func checkAccounts(store: SQLiteStore, seen: StressLedger.State) async throws {
        let stored = try await store.accounts(limit: 10_000, offset: 0)
        #expect(stored.count == seen.created.count, "accounts stored vs. sign-ups that succeeded")
        #expect(Set(stored.map(\.username)).count == stored.count, "a username is held twice")
        #expect(Set(stored.map(\.accountID)) == Set(seen.created.map(\.accountID)), "an account was lost or appeared from nowhere")
        #expect(Set(seen.created.map(\.username)).count == seen.created.count, "two sign-ups succeeded for one username")
        #expect(seen.refusedSignUps > 0, "the run raced sign-ups for taken usernames")
        for account in stored {
            let contacts = try await store.contacts(accountID: account.accountID)
            #expect(contacts.filter(\.isPrimary).count == 1, "an account without exactly one primary contact")
        }
    }

    /// Each session has exactly one current secret: exactly one token ever issued for it carries the
    /// secret stored as current, and that secret is neither its previous one nor in its history.
    static func checkOneCurrentSecret(store: SQLiteStore, seen: StressLedger.State) async throws {
        for (sessionID, tokens) in seen.tokens {
            let session = try #require(try await store.session(id: sessionID), "a session a login returned is not stored")
            #expect(session.accountID == seen.accountOfSession[sessionID])
            let hashes = tokens.map(secretHash)
            #expect(
                hashes.filter { $0 == session.currentHash }.count == 1,
                "session \(sessionID): \(hashes.filter { $0 == session.currentHash }.count) issued tokens carry the current secret"
            )
            #expect(session.previousHash != session.currentHash)
            #expect(!session.olderSecrets.contains { $0.hash == session.currentHash })
            #expect(Set(hashes).count == hashes.count, "session \(sessionID): a secret was issued twice")
        }
    }

    /// Once a logout, revoke-all or theft detection has returned, no request that starts afterwards
    /// authenticates with that session.
    static func checkRevocationIsImmediate(seen: StressLedger.State) {
        var late: [String] = []
        for success in seen.successes {
            if let revokedAt = seen.revokedBy[success.sessionID], success.started > revokedAt {
                late.append(success.sessionID)
            }
        }
        #expect(late.isEmpty, "\(late.count) requests authenticated with a session revoked before they started")
        #expect(!seen.revokedBy.isEmpty, "the run revoked sessions")
    }

    /// After the run, every token of every ended session is refused — the newest one included.
    static func checkRevokedTokensAreRefused(store: SQLiteStore, accounts: Accounts, seen: StressLedger.State) async throws {
        var ended = 0
        for (sessionID, tokens) in seen.tokens {
            let session = try #require(try await store.session(id: sessionID))
            if session.valid {
                #expect(seen.revokedBy[sessionID] == nil, "session \(sessionID) was revoked yet is valid again")
                continue
            }
            ended += 1
            for token in tokens {
                await #expect(throws: (any Error).self, "a token of ended session \(sessionID) was accepted") {
                    try await accounts.handleRequest(request(token))
                }
            }
        }
        #expect(ended > 0)
    }

    /// SHA-256 of a token's `rnd` claim: what the store keeps for it.
    static func secretHash(_ token: String) -> [UInt8] {
        let payload = token.split(separator: ".")[1]
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let object = (try? JSONSerialization.jsonObject(with: Data(base64Encoded: base64) ?? Data())) as? [String: Any]
        var rnd = (object?["rnd"] as? String ?? "").replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while rnd.count % 4 != 0 { rnd += "=" }
        return Array(SHA256.hash(data: Data(base64Encoded: rnd) ?? Data()))
    }
}
