import Foundation
import Gatehouse
import GatehouseServer
import Testing

@Suite("Signing keys: first start, restart, rotation, retirement")
struct KeyBootstrapTests {
    @Test("the first start generates a key into the SQLite file; the next start loads it and tokens survive")
    func firstStartThenRestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let token: String
            let firstKid: String
            do {
                let opened = try await openSQLite(path)
                let ring = try await KeyBootstrap.keyRing(for: .database, store: opened.store, activationDelay: .seconds(60), logger: quietLogger)
                firstKid = ring.signingKey.kid
                let stored = try await opened.store.signingKeys()
                #expect(stored.count == 1)
                #expect(stored.first?.kid == firstKid)
                #expect(stored.first?.isSigning == true)
                #expect(stored.first?.secret.count == 32)
                let accounts = makeAccounts(store: opened.store, ring: ring)
                _ = try await accounts.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: "correct horse battery"))
                token = try await login(accounts, username: "ada", password: "correct horse battery")
            }

            // A second process: a new store on the same file, a new ring.
            let reopened = try await openSQLite(path)
            let ring = try await KeyBootstrap.keyRing(for: .database, store: reopened.store, activationDelay: .seconds(60), logger: quietLogger)
            #expect(ring.signingKey.kid == firstKid)
            #expect(try await reopened.store.signingKeys().count == 1)
            let accounts = makeAccounts(store: reopened.store, ring: ring)
            let handled = try await authenticate(accounts, token: token)
            #expect(handled.user?.username == "ada")
        }
    }

    @Test("keys rotate: tokens signed with the old key keep working and are renewed with the new one")
    func rotationKeepsTokens() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let opened = try await openSQLite(path)
            let ring = try await KeyBootstrap.keyRing(for: .database, store: opened.store, activationDelay: .zero, logger: quietLogger)
            let oldKid = ring.signingKey.kid
            let accounts = makeAccounts(store: opened.store, ring: ring)
            _ = try await accounts.createAccount(CreateAccountInput(username: "grace", email: "grace@example.com", password: "correct horse battery"))
            let token = try await login(accounts, username: "grace", password: "correct horse battery")

            let admin = Administration(store: opened.store, passwordHasher: cheapHasher, logger: quietLogger)
            let (new, previous) = try await admin.rotateSigningKey()
            #expect(previous?.kid == oldKid)
            #expect(new.kid != oldKid)
            let listed = try await admin.signingKeys()
            #expect(listed.map(\.status) == [.verifyOnly, .signing])

            // The running server picks the rotation up...
            let refresher = KeyRingRefresher(ring: ring, store: opened.store, interval: .seconds(30), activationDelay: .zero, logger: quietLogger)
            #expect(try await refresher.refreshOnce())
            #expect(ring.signingKey.kid == new.kid)
            // ...and the old token still works; its renewal is signed with the new key.
            let handled = try await authenticate(accounts, token: token)
            #expect(handled.user?.username == "grace")
            let renewed = try #require(handled.authToken)
            #expect(try await accounts.sessions.verifyToken(renewed, request: handled).kid == new.kid)

            // A restarted server loads both keys, signing with the new one.
            let restarted = try await KeyBootstrap.keyRing(for: .database, store: opened.store, activationDelay: .zero, logger: quietLogger)
            #expect(restarted.signingKey.kid == new.kid)
            #expect(restarted.key(kid: oldKid) != nil)
        }
    }

    @Test("keys retire: the retired key stops verifying after the next refresh; the signing key cannot be retired")
    func retirement() async throws {
        let store = MemoryStore()
        let ring = try await KeyBootstrap.keyRing(for: .database, store: store, activationDelay: .zero, logger: quietLogger)
        let oldKid = ring.signingKey.kid
        let admin = Administration(store: store, passwordHasher: cheapHasher, logger: quietLogger)
        let (new, _) = try await admin.rotateSigningKey()

        await #expect(throws: AccountError(.invalidRequest)) { try await admin.retireSigningKey(kid: new.kid) }
        await #expect(throws: AccountError(.invalidRequest)) { try await admin.retireSigningKey(kid: "no-such-key") }
        try await admin.retireSigningKey(kid: oldKid)
        await #expect(throws: AccountError(.invalidRequest)) { try await admin.retireSigningKey(kid: oldKid) }
        #expect(try await admin.signingKeys().map(\.status) == [.retired, .signing])

        let refresher = KeyRingRefresher(ring: ring, store: store, interval: .seconds(30), activationDelay: .zero, logger: quietLogger)
        try await refresher.refreshOnce()
        #expect(ring.signingKey.kid == new.kid)
        #expect(ring.key(kid: oldKid) == nil)
        #expect(try await refresher.refreshOnce() == false)
    }

    @Test("a freshly rotated key verifies at once but signs only after the activation delay")
    func activationDelay() throws {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let old = StoredSigningKey(kid: "old", secret: Array(repeating: 1, count: 32), createdAt: start, isSigning: false)
        let new = StoredSigningKey(kid: "new", secret: Array(repeating: 2, count: 32), createdAt: start.addingTimeInterval(3_600), isSigning: true)
        let retired = StoredSigningKey(
            kid: "gone",
            secret: Array(repeating: 3, count: 32),
            createdAt: start.addingTimeInterval(-60),
            isSigning: false,
            retired: true
        )
        let stored = [retired, old, new]

        let early = try #require(KeyBootstrap.select(from: stored, now: new.createdAt.addingTimeInterval(10), activationDelay: .seconds(60)))
        #expect(early.signing.kid == "old")
        #expect(early.verification.map(\.kid) == ["new"])
        let later = try #require(KeyBootstrap.select(from: stored, now: new.createdAt.addingTimeInterval(61), activationDelay: .seconds(60)))
        #expect(later.signing.kid == "new")
        #expect(later.verification.map(\.kid) == ["old"])
        // Two quick rotations: the key in between is as new to other servers as the latest one.
        let newest = StoredSigningKey(
            kid: "newest",
            secret: Array(repeating: 4, count: 32),
            createdAt: new.createdAt.addingTimeInterval(5),
            isSigning: true
        )
        let twice = [old, StoredSigningKey(kid: "new", secret: new.secret, createdAt: new.createdAt, isSigning: false), newest]
        #expect(KeyBootstrap.select(from: twice, now: newest.createdAt.addingTimeInterval(1), activationDelay: .seconds(60))?.signing.kid == "old")
        #expect(
            KeyBootstrap.select(from: twice, now: newest.createdAt.addingTimeInterval(60), activationDelay: .seconds(60))?.signing.kid == "newest"
        )
        // The only key signs at once, however young: a first start must be able to log people in.
        #expect(KeyBootstrap.select(from: [new], now: new.createdAt, activationDelay: .seconds(60))?.signing.kid == "new")
        #expect(KeyBootstrap.select(from: [retired], now: start, activationDelay: .zero) == nil)
        // A rotation right after a first start: neither key is settled, and the first one keeps
        // signing until the rotated one is, rather than the rotated one signing at once.
        let first = StoredSigningKey(kid: "first", secret: old.secret, createdAt: new.createdAt, isSigning: false)
        let rotated = StoredSigningKey(kid: "rotated", secret: newest.secret, createdAt: new.createdAt.addingTimeInterval(1), isSigning: true)
        for seconds in [1.0, 30, 60] {
            #expect(
                KeyBootstrap.select(from: [first, rotated], now: rotated.createdAt.addingTimeInterval(seconds - 1), activationDelay: .seconds(60))?
                    .signing.kid == "first"
            )
        }
        #expect(
            KeyBootstrap.select(from: [first, rotated], now: rotated.createdAt.addingTimeInterval(60), activationDelay: .seconds(60))?.signing.kid
                == "rotated"
        )

        let ring = KeyRing(signingKey: try SigningKey(kid: "old", secret: old.secret))
        #expect(try KeyBootstrap.synchronize(ring, with: stored, now: new.createdAt.addingTimeInterval(10), activationDelay: .seconds(60)))
        #expect(ring.signingKey.kid == "old")
        #expect(ring.key(kid: "new") != nil)
        #expect(try KeyBootstrap.synchronize(ring, with: stored, now: new.createdAt.addingTimeInterval(61), activationDelay: .seconds(60)))
        #expect(ring.signingKey.kid == "new")
        #expect(ring.keyIDs == ["new", "old"])
    }

    @Test("a configured secret is one key with id default, as the original's getTokenSecret")
    func configuredSecret() async throws {
        let store = MemoryStore()
        let secret = "0123456789abcdef0123456789abcdef"
        let ring = try await KeyBootstrap.keyRing(for: .secret(secret), store: store, activationDelay: .zero, logger: quietLogger)
        #expect(ring.keyIDs == ["default"])
        #expect(try await store.signingKeys().isEmpty)

        // Tokens from a server with the secret in a ring and one with getTokenSecret are interchangeable.
        _ = try await makeAccounts(store: store, ring: ring).createAccount(
            CreateAccountInput(username: "lin", email: "lin@example.com", password: "correct horse battery")
        )
        let token = try await login(makeAccounts(store: store, ring: ring), username: "lin", password: "correct horse battery")
        var options = AccountsOptions(sessions: SessionsOptions(getTokenSecret: { _ in secret }))
        options.passwordHasher = cheapHasher
        let seedStyle = Accounts(store: store, options: options)
        #expect(try await authenticate(seedStyle, token: token).user?.username == "lin")
    }

    @Test("a key file is read without its trailing newline; a missing or empty one is a clear error")
    func keyFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("key")
            try Data("file-secret-file-secret-file-secret\n".utf8).write(to: file)
            #expect(try KeyBootstrap.readKeyFile(at: file.path) == "file-secret-file-secret-file-secret")
            let ring = try await KeyBootstrap.keyRing(
                for: .keyFile(path: file.path),
                store: MemoryStore(),
                activationDelay: .zero,
                logger: quietLogger
            )
            #expect(ring.signingKey.kid == "default")

            let empty = directory.appendingPathComponent("empty")
            try Data(" \n".utf8).write(to: empty)
            #expect(throws: ServerConfigurationError("the key file \(empty.path) is empty")) { try KeyBootstrap.readKeyFile(at: empty.path) }
            let missing = directory.appendingPathComponent("missing").path
            #expect(throws: ServerConfigurationError("cannot read the key file \(missing)")) { try KeyBootstrap.readKeyFile(at: missing) }
        }
    }
}
