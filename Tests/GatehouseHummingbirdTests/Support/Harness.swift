import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseSQLite
import GatehouseTesting
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// One Gatehouse server for one test: a store, `Accounts` with a manual clock and cheap scrypt, the
/// router, and a capture of everything logged.
struct Harness: Sendable {
    /// The HTTP configuration of a server behind a proxy on this machine: the live test client, on
    /// 127.0.0.1, plays the proxy and chooses the client address with `X-Forwarded-For`.
    static let behindLoopbackProxy = GatehouseHTTPConfiguration(trustedProxies: [IPNetwork("127.0.0.1")!])

    static let secret = "test-secret-for-the-gatehouse-http-suite-0123456789"
    static let password = "correct horse battery"
    static let userAgent = "GatehouseTests/1.0"

    let clock: ManualWallClock
    let accounts: Accounts
    let store: FaultyStore
    let logs: LogCapture
    let configuration: GatehouseHTTPConfiguration

    init(
        store kind: StoreKind = .memory,
        http configuration: GatehouseHTTPConfiguration = GatehouseHTTPConfiguration(),
        sessions: (inout SessionsOptions) -> Void = { _ in },
        accounts configureAccounts: (inout AccountsOptions) -> Void = { _ in }
    ) throws {
        let clock = ManualWallClock()
        let logs = LogCapture()
        var sessionOptions = SessionsOptions(getTokenSecret: { _ in Harness.secret })
        sessionOptions.clock = clock
        sessionOptions.logger = logs.logger(label: "gatehouse.sessions")
        sessions(&sessionOptions)
        var options = AccountsOptions(sessions: sessionOptions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        configureAccounts(&options)
        let inner: any AccountStore & SessionStore & TokenStore & ThrottleStore & AuditStore & IdentityStore & SecondFactorStore & PasskeyStore =
            switch kind {
            case .memory: MemoryStore(clock: clock)
            case .sqlite: try SQLiteStore.inMemory(clock: clock)
            }
        let store = FaultyStore(inner)
        self.clock = clock
        self.logs = logs
        self.store = store
        self.configuration = configuration
        self.accounts = Accounts(store: store, options: options)
    }

    /// A fresh Gatehouse router on this harness's accounts.
    var router: Router<GatehouseRequestContext> {
        makeGatehouseRouter(accounts: accounts, configuration: configuration, logger: logs.logger(label: "gatehouse.http"))
    }

    /// An application around the router, listening on an ephemeral loopback port when run live.
    var app: Application<RouterResponder<GatehouseRequestContext>> {
        Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logs.logger(label: "app"))
    }

    /// Runs `body` against the router, in process.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app.test(.router, body)
    }

    /// Runs `body` against the router served on a real socket on 127.0.0.1 (the client's address is the
    /// socket's peer, 127.0.0.1).
    func live<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app.test(.live, body)
    }

    /// Creates an account directly through the core.
    @discardableResult
    func createAccount(_ username: String = "alice", email: String? = nil, password: String = Harness.password) async throws -> Account {
        try await accounts.createAccount(CreateAccountInput(username: username, email: email ?? "\(username)@example.com", password: password))
    }

    /// Moves the clock past the rotation grace period.
    func passGracePeriod() {
        clock.advance(by: accounts.options.sessions.gracePeriod + .seconds(1))
    }
}
