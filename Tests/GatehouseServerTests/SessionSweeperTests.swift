import Foundation
import Gatehouse
import GatehouseServer
import GatehouseTesting
import Logging
import ServiceLifecycle
import Testing

@Suite("The session sweeper")
struct SessionSweeperTests {
    @Test("deletes sessions that ended before the retention, keeps the rest")
    func sweepOnce() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore()
        let admin = Administration(store: store, passwordHasher: cheapHasher, clock: clock, logger: quietLogger)
        _ = try await admin.createAccount(username: "ada", email: "ada@example.com", password: "correct horse battery")
        var configuration = ServerConfiguration()
        configuration.idleTimeout = nil
        var options = configuration.accountsOptions(
            keyRing: KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret")),
            logger: quietLogger,
            passwordHasher: cheapHasher
        )
        options.sessions.clock = clock
        let accounts = Accounts(store: store, options: options)
        _ = try await login(accounts, username: "ada", password: "correct horse battery")
        _ = try await login(accounts, username: "ada", password: "correct horse battery")
        let ended = try await admin.sessions(username: "ada", includeEnded: false)[0]
        _ = try await admin.revokeSessions(username: "ada", sessionID: ended.id)

        let sweeper = SessionSweeper(store: store, interval: .seconds(60), retention: .seconds(86_400), clock: clock, logger: quietLogger)
        #expect(try await sweeper.sweepOnce() == 0)
        clock.advance(by: .seconds(86_401))
        #expect(try await sweeper.sweepOnce() == 1)
        #expect(try await admin.sessions(username: "ada", includeEnded: true).count == 1)
        // The open session goes once its absolute lifetime and the retention are both over.
        clock.advance(by: configuration.absoluteLifetime)
        #expect(try await sweeper.sweepOnce() == 1)
        #expect(try await admin.sessions(username: "ada", includeEnded: true).isEmpty)
    }

    @Test("sweeps on its interval and stops at a graceful shutdown")
    func runsAndStops() async throws {
        let store = CountingStore()
        let sweeper = SessionSweeper(store: store, interval: .milliseconds(5), logger: quietLogger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [sweeper], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while store.sweeps < 3 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(store.sweeps >= 3)
    }

    @Test("a failing sweep is logged and retried, not fatal")
    func failuresAreRetried() async throws {
        let store = CountingStore(failing: true)
        let sweeper = SessionSweeper(store: store, interval: .milliseconds(5), logger: quietLogger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [sweeper], logger: quietLogger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while store.sweeps < 2 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
