import Gatehouse
import GatehouseHummingbird
import GatehouseSQLite
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A real Gatehouse HTTP server on 127.0.0.1 and a free port, assembled as `gatehouse serve`
/// assembles it: the Gatehouse router in a Hummingbird application, on an SQLite file.
struct BenchmarkServer {
    let accounts: Accounts
    let store: any GatehouseStore
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(
        databasePath: String,
        passwordHasher: any PasswordHasher = ScryptPasswordHasher(),
        renewal: RenewalPolicy = .everyRequest
    ) async throws -> BenchmarkServer {
        try await start(store: SQLiteStore(path: databasePath, logger: Fixtures.logger), passwordHasher: passwordHasher, renewal: renewal)
    }

    static func start(
        store: any GatehouseStore,
        passwordHasher: any PasswordHasher = ScryptPasswordHasher(),
        renewal: RenewalPolicy = .everyRequest
    ) async throws -> BenchmarkServer {
        var options = Fixtures.accountsOptions(ring: try Fixtures.keyRing(), passwordHasher: passwordHasher)
        options.sessions.renewal = renewal
        let accounts = Accounts(store: store, options: options)
        let router = makeGatehouseRouter(accounts: accounts, configuration: GatehouseHTTPConfiguration(), logger: Fixtures.logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Fixtures.logger
        )
        // The store's own services (an SQLite file's WAL checkpointer) run beside the server.
        let services: [any Service] = [app] + store.backgroundServices(logger: Fixtures.logger)
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [], logger: Fixtures.logger))
        let task = Task { try await group.run() }
        var port = 0
        for await announced in ports {
            port = announced
            break
        }
        guard port > 0 else {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw BenchmarkError("the server did not start")
        }
        return BenchmarkServer(accounts: accounts, store: store, port: port, group: group, task: task)
    }

    /// Stops accepting connections and waits for the server to finish, at most `seconds`: requests
    /// still queued behind a cut-short login burst would otherwise hold the shutdown.
    func stop(within seconds: Double = 10) async {
        await group.triggerGracefulShutdown()
        let finished = Atomic<Bool>(false)
        let waiting = Task { [task] in
            _ = try? await task.value
            finished.store(true, ordering: .relaxed)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .nanoseconds(Int64(seconds * 1e9))
        while !finished.load(ordering: .relaxed), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if !finished.load(ordering: .relaxed) { task.cancel() }
        _ = waiting
    }
}
