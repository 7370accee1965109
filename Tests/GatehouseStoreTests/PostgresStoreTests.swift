import Foundation
import Gatehouse
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import Testing

@testable import GatehousePostgres

/// What only the PostgreSQL store promises: connection URLs, and how it behaves when the database
/// goes away and comes back.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    // MARK: URLs

    @Test("A full URL is read the way libpq reads it")
    func fullURL() throws {
        let url = try PostgresURL(
            "postgres://gate%40house:p%3As%2Fs@db.example.com:6543/auth%2Ddb?sslmode=require&connect_timeout=3&application_name=api"
        )
        #expect(url.username == "gate@house")
        #expect(url.password == "p:s/s")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.database == "auth-db")
        #expect(url.parameter("sslmode") == "require")
        #expect(!url.isLocal)

        let configuration = try url.configuration()
        #expect(configuration.host == "db.example.com")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "gate@house")
        #expect(configuration.password == "p:s/s")
        #expect(configuration.database == "auth-db")
        #expect(configuration.options.connectTimeout == .seconds(3))
        #expect(configuration.options.additionalStartupParameters.contains { $0 == ("application_name", "api") })
    }

    @Test(
        "Short URLs get libpq's defaults",
        arguments: [
            ("postgresql://app@localhost/gatehouse", "localhost", 5432, "gatehouse"),
            ("postgres://app@127.0.0.1:54329", "127.0.0.1", 54329, nil),
            ("POSTGRES://app@[::1]:6000/db", "::1", 6000, "db"),
            ("postgres://app@/db?host=%2Fvar%2Frun%2Fpostgresql", "/var/run/postgresql", 5432, "db"),
        ] as [(String, String, Int, String?)]
    )
    func shortURLs(text: String, host: String, port: Int, database: String?) throws {
        let url = try PostgresURL(text)
        #expect(url.username == "app")
        #expect(url.password == nil)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.database == database)
        #expect(url.isLocal)
        let configuration = try url.configuration()
        #expect(configuration.options.connectTimeout == .seconds(5))
        if host.hasPrefix("/") {
            #expect(configuration.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")
        } else {
            #expect(configuration.host == host)
        }
    }

    @Test(
        "A URL that cannot be used is an invalid configuration that never shows the password",
        arguments: [
            "mysql://app:hunter2@db/gatehouse",
            "postgres://app:hunter2@db:99999/gatehouse",
            "postgres://app:hunter2@db:port/gatehouse",
            "postgres://app:hunter2@db/gatehouse?sslmode=sometimes",
            "postgres://app:hunter2@db/gatehouse?search=hunter2",
            "postgres://:hunter2@db/gatehouse",
            "postgres://app:hunter2@/gatehouse",
            "postgres://app:hunter2%zz@db/gatehouse",
            "postgres://app:hunter2@[::1/gatehouse",
            "postgres://app:hunter2@db/gatehouse#hunter2",
            "postgres://app:hunter2@db1,db2/gatehouse",
            "postgres://app:hunter2@db/gatehouse?connect_timeout=soon",
        ]
    )
    func invalidURL(text: String) async throws {
        let error = await expectAccountError(.invalidConfiguration) { _ = try PostgresStore(url: text, logger: testLogger) }
        #expect(error?.description.contains("hunter2") == false)
        #expect(error?.detail == .databaseURL)
        // The server reads the reason from the URL parser; it never repeats the password either.
        do {
            _ = try PostgresURL(text).configuration()
            Issue.record("the URL was accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }

    // MARK: Unavailability

    @Test("A database that cannot be reached fails each operation with StoreUnavailable instead of waiting on the pool", .timeLimit(.minutes(1)))
    func unreachable() async throws {
        // Nothing listens on port 1 of the loopback interface: every connection attempt is refused.
        let store = try PostgresStore(url: "postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse", operationTimeout: .seconds(1), logger: testLogger)
        try await PostgresTestSupport.running([store]) {
            let error = await expectAccountError(.storeUnavailable) { _ = try await store.account(id: "acct-alice") }
            #expect(error?.description.contains("hunter2") == false && error?.message.contains("hunter2") == false)
            await expectAccountError(.storeUnavailable) { _ = try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) }
        }
    }

    @Test(
        "During an outage operations fail with StoreUnavailable; once the server is back they succeed, without a restart",
        .postgresConfigured,
        .timeLimit(.minutes(2))
    )
    func outageAndRecovery() async throws {
        let server = try PostgresURL(PostgresTestSupport.requireURL())
        let relay = try await TCPRelay.start(to: server.host, port: server.port)
        try await PostgresTestSupport.withSchema { schema in
            var through = server
            through.host = "127.0.0.1"
            through.port = relay.port
            var configuration = try through.configuration()
            configuration.options.additionalStartupParameters.append(("options", "-c search_path=\(schema)"))
            configuration.options.maximumConnections = 4
            let store = PostgresStore(configuration: configuration, operationTimeout: .seconds(2), logger: testLogger)

            try await PostgresTestSupport.running([store]) {
                try await store.migrate()
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)

                await relay.cut()
                for _ in 0..<3 {
                    let error = await expectAccountError(.storeUnavailable) { _ = try await store.sessionWithAccount(id: "s-1") }
                    #expect(error?.code == .storeUnavailable)
                }
                await expectAccountError(.storeUnavailable) { _ = try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) }

                try await relay.restore()
                let found = try await Self.onceAvailable { try await store.sessionWithAccount(id: "s-1") }
                #expect(found?.account == alice)
                #expect(try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) == [true])
            }
        }
        await relay.cut()
    }

    @Test("A query stuck behind a lock times out, and the store works once the lock is gone", .postgresConfigured, .timeLimit(.minutes(1)))
    func stuckQueryTimesOut() async throws {
        try await PostgresTestSupport.withSchema { schema in
            let store = try PostgresTestSupport.makeStore(schema: schema, maximumConnections: 2, operationTimeout: .seconds(1))
            let blocker = try PostgresTestSupport.makeStore(schema: schema, maximumConnections: 1)
            try await PostgresTestSupport.running([store, blocker]) {
                // Set up through the store without a deadline: on a loaded machine, seven migrations can
                // take longer than the one second under test.
                try await blocker.migrate()
                let alice = try await Fixture.create(Fixture.account("alice"), in: blocker)
                try await blocker.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)

                let (locked, lockTaken) = AsyncStream<Void>.makeStream()
                let (release, releaseLock) = AsyncStream<Void>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await blocker.client.withConnection { connection in
                            try await connection.query("BEGIN", logger: testLogger)
                            try await connection.query("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE", logger: testLogger)
                            lockTaken.yield()
                            for await _ in release { break }
                            try await connection.query("ROLLBACK", logger: testLogger)
                        }
                    }
                    for await _ in locked { break }

                    await expectAccountError(.storeUnavailable) { _ = try await store.session(id: "s-1") }

                    releaseLock.yield()
                    try await group.waitForAll()
                }
                // The store's one-second deadline still applies: on a loaded machine the first queries
                // after the lock may miss it and are asked again.
                #expect(try await Self.onceAvailable { try await store.session(id: "s-1") }?.accountID == alice.accountID)
                #expect(try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) == [true])
            }
        }
    }

    /// `operation`'s result once it stops failing as `storeUnavailable`, asked again every 100 ms for
    /// up to 30 seconds; the last failure is thrown.
    private static func onceAvailable<T>(_ operation: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            do {
                return try await operation()
            } catch let error as AccountError where error.code == .storeUnavailable && clock.now - start < .seconds(30) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test("Concurrent reads and rotations share batches, and each caller gets its own answer", .postgresConfigured, .timeLimit(.minutes(1)))
    func batchedReadsAndRotations() async throws {
        try await PostgresTestSupport.withSchema { schema in
            // One batch of each kind at a time on 8 connections, so concurrent callers must queue and share.
            let store = try PostgresTestSupport.makeStore(schema: schema, maximumConnections: 8)
            try await PostgresTestSupport.running([store]) {
                try await store.migrate()
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let bob = try await Fixture.create(Fixture.account("bob"), in: store)
                let ids = (0..<24).map { "s-\($0)" }
                for (index, id) in ids.enumerated() {
                    try await store.insertSession(Fixture.session(id, of: index % 2 == 0 ? alice : bob), requiringAccountEpoch: 0)
                }

                // Every session read three times, and unknown ids, all at once.
                let asked = ids + ids + ids + (0..<8).map { "unknown-\($0)" }
                let answers = try await withThrowingTaskGroup(of: (String, String?, String?).self) { group in
                    for id in asked {
                        group.addTask {
                            let found = try await store.sessionWithAccount(id: id)
                            return (id, found?.session.id, found?.account?.username)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.count == asked.count)
                for (id, sessionID, username) in answers {
                    if id.hasPrefix("unknown") {
                        #expect(sessionID == nil && username == nil)
                    } else {
                        #expect(sessionID == id)
                        #expect(username == (Int(id.dropFirst(2))! % 2 == 0 ? "alice" : "bob"))
                    }
                }

                // Two competing rotations of each session from the same secret: exactly one applies.
                let applied = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                    for id in ids {
                        for next: UInt8 in [2, 3] {
                            group.addTask { (id, try await store.updateSessions([Fixture.rotation(of: id, from: 1, to: next)]) == [true]) }
                        }
                    }
                    return try await group.reduce(into: [String: Int]()) { counts, answer in
                        counts[answer.0, default: 0] += answer.1 ? 1 : 0
                    }
                }
                #expect(applied == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }))
                for id in ids {
                    let hash = try await store.session(id: id)?.currentHash
                    #expect(hash == Fixture.digest(2) || hash == Fixture.digest(3))
                }
            }
        }
    }

    @Test("Migrations are recorded once, however often they run", .postgresConfigured)
    func migrationsIdempotent() async throws {
        try await PostgresTestSupport.withStore { store in
            let applied = try await store.appliedMigrations()
            #expect(
                applied == [
                    "0001_accounts_sessions_tokens_keys", "0002_session_epoch_and_throttles", "0003_outbox", "0004_audit_events", "0005_identities",
                    "0006_identity_tokens",
                    "0007_session_authentication", "0008_second_factors", "0009_passkeys",
                ]
            )
            try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.migrate()
            try await store.migrate()
            #expect(try await store.appliedMigrations() == applied)
            #expect(try await store.accounts(limit: 10, offset: 0).map(\.username) == ["alice"])
        }
    }
}

/// A TCP relay on loopback between the store and the server, which a test can cut (the port then
/// refuses connections and every open connection drops, as when the server stops) and restore.
private final class TCPRelay: Sendable {
    private struct State {
        var port = 0
        var server: (any Channel)?
        var open: [any Channel] = []
    }

    private let target: (host: String, port: Int)
    private let state = Mutex(State())

    /// The loopback port the relay listens on, the same after a restore.
    var port: Int { state.withLock { $0.port } }

    private init(target: (host: String, port: Int)) {
        self.target = target
    }

    static func start(to host: String, port: Int) async throws -> TCPRelay {
        let relay = TCPRelay(target: (host, port))
        let server = try await relay.bind(port: 0)
        relay.state.withLock { state in
            state.port = server.localAddress?.port ?? 0
            state.server = server
        }
        return relay
    }

    func cut() async {
        let (server, open) = state.withLock { state in
            defer {
                state.server = nil
                state.open = []
            }
            return (state.server, state.open)
        }
        try? await server?.close()
        for channel in open { try? await channel.close() }
    }

    func restore() async throws {
        let server = try await bind(port: port)
        state.withLock { $0.server = server }
    }

    private func bind(port: Int) async throws -> any Channel {
        let target = target
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Nothing is read from the client until the upstream connection exists.
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .channelInitializer { outbound in
                        outbound.eventLoop.makeCompletedFuture { try outbound.pipeline.syncOperations.addHandler(Splice(peer: inbound)) }
                    }
                    .connect(host: target.host, port: target.port)
                    .flatMap { outbound in
                        self.state.withLock { $0.open += [inbound, outbound] }
                        return inbound.eventLoop.makeCompletedFuture {
                            try inbound.pipeline.syncOperations.addHandler(Splice(peer: outbound))
                        }.flatMap {
                            inbound.setOption(.autoRead, value: true)
                        }
                    }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }
}

/// Forwards what one side reads to the other, and closes the other when one side closes.
private final class Splice: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let peer: any Channel

    init(peer: any Channel) {
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(Self.unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
