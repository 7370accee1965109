import Foundation
import Gatehouse
import GatehouseSQLite
import Testing

/// What only the SQLite store promises: a durable file, WAL, migrations, and errors for a database
/// it cannot use.
@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("A file store keeps its data across close and reopen")
    func survivesReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let alice = Fixture.account("alice")
            let session = Fixture.session("s-1", of: alice)
            let token = Fixture.token("t-1", of: alice, hash: 5)
            let key = Fixture.signingKey("k-1", signing: true)
            do {
                let store = try SQLiteStore(path: path, logger: testLogger)
                #expect(store.path == path)
                try await Fixture.create(alice, in: store, passwordHash: "scrypt$kept")
                try await store.insertSession(session, requiringAccountEpoch: 0)
                try await store.insertToken(token, messages: [])
                try await store.insertSigningKey(key)
                #expect(try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) == [true])
            }
            #expect(FileManager.default.fileExists(atPath: path))

            let reopened = try SQLiteStore(path: path, logger: testLogger)
            #expect(try await reopened.account(id: alice.accountID) == alice)
            #expect(try await reopened.passwordHash(accountID: alice.accountID) == "scrypt$kept")
            #expect(try await reopened.session(id: "s-1") == session.applying(Fixture.rotation(of: "s-1", from: 1, to: 2)))
            #expect(try await reopened.tokens(accountID: alice.accountID, kind: .emailVerification) == [token])
            #expect(try await reopened.signingKeys() == [key])
            #expect(try await reopened.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"])
        }
    }

    @Test("Migrations run once, however often they are asked for")
    func migrationsIdempotent() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let store = try SQLiteStore(path: path, logger: testLogger)
            try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.migrate()
            try await store.migrate()
            let again = try SQLiteStore(path: path, logger: testLogger)
            try await again.migrate()
            #expect(try await again.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"])
            #expect(try await again.accounts(limit: 10, offset: 0).map(\.username) == ["alice"])
        }
    }

    @Test("Stores opening a new file together migrate it once")
    func concurrentOpen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let migrations = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<6 {
                    group.addTask { try await SQLiteStore(path: path, logger: testLogger).appliedMigrations() }
                }
                var all: [[String]] = []
                for try await applied in group { all.append(applied) }
                return all
            }
            #expect(migrations == Array(repeating: ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"], count: 6))
            let store = try SQLiteStore(path: path, logger: testLogger)
            #expect(try await store.integrityCheck() == ["ok"])
        }
    }

    @Test("A file store runs in WAL mode; an in-memory one in memory")
    func journalMode() async throws {
        try await withTemporaryDirectory { directory in
            let file = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, logger: testLogger)
            #expect(try await file.journalMode() == "wal")
        }
        let memory = try SQLiteStore.inMemory(logger: testLogger)
        #expect(memory.path == nil)
        #expect(try await memory.journalMode() == "memory")
        #expect(try await memory.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"])
    }

    @Test("Durability sets when a commit is synced", arguments: SQLiteStore.Durability.allCases)
    func durability(_ durability: SQLiteStore.Durability) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let store = try SQLiteStore(path: path, durability: durability, logger: testLogger)
            #expect(store.durability == durability)
            #expect(try await store.synchronousSetting() == (durability == .full ? 2 : 1))
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)
            #expect(try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) == [true])
            #expect(try await SQLiteStore(path: path, logger: testLogger).session(id: "s-1")?.currentHash == Fixture.digest(2))
        }
        #expect(try SQLiteStore.inMemory(logger: testLogger).durability == .normal)
    }

    @Test("The database passes an integrity check after use")
    func integrity() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, logger: testLogger)
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            for index in 0..<20 {
                try await store.insertSession(Fixture.session("s-\(index)", of: alice, hash: 1, at: index), requiringAccountEpoch: 0)
            }
            _ = try await store.updateSessions((0..<20).map { Fixture.rotation(of: "s-\($0)", from: 1, to: 2) })
            _ = try await store.revokeSessions(
                .allSessionsExcept(sessionID: "s-0", accountID: alice.accountID),
                reason: .logout,
                at: Fixture.date(30)
            )
            #expect(try await store.deleteSessions(endedBefore: Fixture.date(100)) == 19)
            #expect(try await store.integrityCheck() == ["ok"])
        }
    }

    @Test("Two stores on one file see each other's writes at once")
    func sharedFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let first = try SQLiteStore(path: path, logger: testLogger)
            let second = try SQLiteStore(path: path, logger: testLogger)
            let alice = try await Fixture.create(Fixture.account("alice"), in: first)
            try await first.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)

            #expect(try await second.sessionWithAccount(id: "s-1")?.account == alice)
            #expect(try await second.revokeSessions(.allSessions(accountID: alice.accountID), reason: .logout, at: Fixture.date(5)) == 1)
            #expect(try await first.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) == [false])
            #expect(try await first.sessionWithAccount(id: "s-1")?.session.valid == false)
            await expectAccountError(.conflict) { try await Fixture.create(Fixture.account("alice"), in: second) }
        }
    }

    @Test("Couriers of two stores on one file never claim the same message")
    func claimsAcrossStores() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let first = try SQLiteStore(path: path, logger: testLogger)
            let second = try SQLiteStore(path: path, logger: testLogger)
            let messages = (0..<40).map { index in Fixture.message("m-\(index < 10 ? "0" : "")\(index)", dueAt: index) }
            try await first.enqueue(messages)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<8 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask {
                        try await store.claimMessages(channel: .mail, limit: 5, leaseUntil: Fixture.date(1_000), at: Fixture.date(100)).map(\.id)
                    }
                }
                var claims: [[String]] = []
                for try await ids in group { claims.append(ids) }
                return claims
            }
            // Eight claims of five over forty messages: every message once, none twice.
            #expect(claims.flatMap { $0 }.sorted() == messages.map(\.id))
            #expect(try await second.message(id: "m-00")?.leasedUntil == Fixture.date(1_000))
            #expect(try await first.integrityCheck() == ["ok"])
        }
    }

    @Test("An account has at most one primary contact")
    func onePrimaryContact() async throws {
        let store = try SQLiteStore.inMemory(logger: testLogger)
        let alice = Fixture.account("alice")
        let second = ContactRecord(accountID: alice.accountID, kind: .email, value: "other@example.com", isPrimary: true, createdAt: alice.createdAt)
        await expectAccountError(.conflict) { try await Fixture.create(alice, in: store, extra: [second]) }
        #expect(try await store.account(id: alice.accountID) == nil)
    }

    @Test("A database in a missing directory is unavailable")
    func missingDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("missing/gatehouse.sqlite").path
            let error = await expectAccountError(.storeUnavailable) { _ = try SQLiteStore(path: path, logger: testLogger) }
            #expect(error?.description.contains("missing") == false)
        }
    }

    @Test("A file that is not a database is unavailable, and left as it was")
    func notADatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let content = Data(String(repeating: "not a database, just text. ", count: 200).utf8)
            try content.write(to: URL(fileURLWithPath: path))
            await expectAccountError(.storeUnavailable) { _ = try SQLiteStore(path: path, logger: testLogger) }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == content)
        }
    }
}
