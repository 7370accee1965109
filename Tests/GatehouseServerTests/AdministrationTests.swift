import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseServer
import Testing

@Suite("Administration: what the accounts, sessions and keys commands do")
struct AdministrationTests {
    @Test("accounts create, list and deactivate on a real SQLite file")
    func accountsLifecycle() async throws {
        try await withTemporaryDirectory { directory in
            let opened = try await openSQLite(directory.appendingPathComponent("admin.sqlite").path)
            let admin = Administration(store: opened.store, passwordHasher: cheapHasher, logger: quietLogger)

            let ada = try await admin.createAccount(username: "Ada", email: "ada@example.com", password: "correct horse battery")
            #expect(ada.username == "ada")
            _ = try await admin.createAccount(username: "grace", email: "grace@example.com", password: "correct horse battery")
            #expect(try await admin.listAccounts(limit: 10, offset: 0).map(\.username) == ["ada", "grace"])
            #expect(try await admin.listAccounts(limit: 1, offset: 1).map(\.username) == ["grace"])

            await #expect(throws: AccountError(.conflict)) {
                try await admin.createAccount(username: "ADA", email: "other@example.com", password: "correct horse battery")
            }
            await #expect(throws: AccountError(.conflict)) {
                try await admin.createAccount(username: "someone", email: "ada@example.com", password: "correct horse battery")
            }
            await #expect(throws: AccountError(.invalidRequest)) {
                try await admin.createAccount(username: "x", email: "not-an-address", password: "short")
            }

            // A deactivated account's sessions end and it can no longer log in.
            let ring = KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret"))
            let accounts = makeAccounts(store: opened.store, ring: ring)
            let token = try await login(accounts, username: "ada", password: "correct horse battery")
            let (deactivated, ended) = try await admin.deactivateAccount(username: "ada")
            #expect(deactivated.deactivated)
            #expect(ended == 1)
            await #expect(throws: AccountError(.invalidSession)) { try await authenticate(accounts, token: token) }
            await #expect(throws: AccountError(.userDeactivated)) {
                try await login(accounts, username: "ada", password: "correct horse battery")
            }
            await #expect(throws: AccountError(.userNotFound)) { try await admin.deactivateAccount(username: "nobody") }
        }
    }

    @Test("sessions list and revoke: one session, then all")
    func sessions() async throws {
        let store = MemoryStore()
        let admin = Administration(store: store, passwordHasher: cheapHasher, logger: quietLogger)
        _ = try await admin.createAccount(username: "lin", email: "lin@example.com", password: "correct horse battery")
        let accounts = makeAccounts(store: store, ring: KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret")))
        let first = try await login(accounts, username: "lin", password: "correct horse battery")
        _ = try await login(accounts, username: "lin", password: "correct horse battery")
        _ = try await login(accounts, username: "lin", password: "correct horse battery")

        let open = try await admin.sessions(username: "lin", includeEnded: false)
        #expect(open.count == 3)
        #expect(try await admin.revokeSessions(username: "lin", sessionID: open[0].id) == 1)
        await #expect(throws: AccountError(.invalidSession)) { try await authenticate(accounts, token: first) }
        await #expect(throws: AccountError(.sessionNotFound)) { try await admin.revokeSessions(username: "lin", sessionID: open[0].id) }
        #expect(try await admin.sessions(username: "lin", includeEnded: false).count == 2)

        #expect(try await admin.revokeSessions(username: "lin") == 2)
        #expect(try await admin.sessions(username: "lin", includeEnded: false).isEmpty)
        let all = try await admin.sessions(username: "lin", includeEnded: true)
        #expect(all.count == 3)
        #expect(all.allSatisfy { $0.revokedReason == RevocationReason.administrator })
        #expect(try await admin.revokeSessions(username: "lin") == 0)
        await #expect(throws: AccountError(.userNotFound)) { try await admin.sessions(username: "nobody", includeEnded: false) }
    }

    @Test("opening for administration runs the migrations; running them twice changes nothing")
    func migrationsAreIdempotent() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("twice.sqlite").path
            let opened = try StoreOpener.open(.sqlite(path: path), logger: quietLogger)
            try await opened.withRunningStore(logger: quietLogger) { _ in try await opened.migrate() }
            try await opened.withRunningStore(logger: quietLogger) { _ in try await opened.migrate() }
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(try await opened.store.accounts(limit: 10, offset: 0).isEmpty)
        }
    }

    @Test("an SQLite file opens with the durability the configuration names", arguments: SQLiteStore.Durability.allCases)
    func sqliteDurability(_ durability: SQLiteStore.Durability) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("durable.sqlite").path
            let opened = try StoreOpener.open(.sqlite(path: path), sqliteDurability: durability, logger: quietLogger)
            let store = try #require(opened.store as? SQLiteStore)
            #expect(store.durability == durability)
            #expect(try await store.synchronousSetting() == (durability == .full ? 2 : 1))
        }
    }
}
