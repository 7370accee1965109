import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseTesting
import Synchronization
import Testing

/// A rotation whose commit is delayed past the grace period — a stalled disk, a paused machine — must
/// not make the token it issued look old: the grace period and the lost-response rule measure from the
/// commit, when other requests can first see the rotation. Otherwise a straggler carrying the previous
/// token, arriving right after the commit, would be taken for a lost response, discard the token the
/// client has just received, and the client's next request would look like theft.
@Suite("Rotation commits delayed past the grace period")
struct CommitDelayTests {
    static let client = ConnectionInfo(ip: "192.0.2.10", userAgent: "DelayTests/1.0")

    @Test("A straggler right after a late commit is in grace, and the client's new token keeps working")
    func lateCommitIsMeasuredFromTheCommit() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualWallClock()
            let file = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, clock: clock, logger: testLogger)
            let store = DelayingSessionStore(file)
            var options = SessionsOptions(keyRing: KeyRing(signingKey: try SigningKey.generate(kid: "k1")))
            options.clock = clock
            options.gracePeriod = .seconds(3)
            let sessions = Sessions(options: options, store: store)
            let account = try await StoreFixture.create(StoreFixture.account("grace"), in: file)
            let login = try await sessions.startSession(for: Account(account), client: Self.client)

            // The renewal of the first token is decided now and committed ten seconds later.
            store.holdNextCommit()
            clock.advance(by: 1)
            let renewal = Task { try await sessions.authenticate(token: login.token, client: Self.client) }
            await store.waitUntilCommitIsHeld()
            clock.advance(by: 10)
            store.releaseCommit()
            let renewed = try #require(try await renewal.value)
            #expect(renewed.isRenewed)

            // A late request of the same burst, carrying the first token: accepted as it is.
            let straggler = try #require(try await sessions.authenticate(token: login.token, client: Self.client))
            #expect(!straggler.isRenewed)

            // The client goes on with the token it received; past the grace period it is renewed, never theft.
            clock.advance(by: 1)
            let next = try #require(try await sessions.authenticate(token: renewed.token, client: Self.client))
            #expect(next.isRenewed)
            clock.advance(by: 5)
            let after = try #require(try await sessions.authenticate(token: next.token, client: Self.client))
            #expect(after.isRenewed)
            #expect(try await file.session(id: login.session.id)?.valid == true)
        }
    }

    @Test("The stored rotation time is the commit time, not the decision time")
    func rotationTimeIsTheCommitTime() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualWallClock()
            let file = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, clock: clock, logger: testLogger)
            let store = DelayingSessionStore(file)
            var options = SessionsOptions(keyRing: KeyRing(signingKey: try SigningKey.generate(kid: "k1")))
            options.clock = clock
            let sessions = Sessions(options: options, store: store)
            let account = try await StoreFixture.create(StoreFixture.account("stamp"), in: file)
            let login = try await sessions.startSession(for: Account(account), client: Self.client)

            store.holdNextCommit()
            clock.advance(by: 2)
            let decidedAt = clock.now()
            let renewal = Task { try await sessions.authenticate(token: login.token, client: Self.client) }
            await store.waitUntilCommitIsHeld()
            clock.advance(by: 45)
            store.releaseCommit()
            _ = try await renewal.value
            let stored = try #require(try await file.session(id: login.session.id))
            #expect(stored.rotatedAt == decidedAt.addingTimeInterval(45))
            #expect(stored.lastUsedAt == decidedAt.addingTimeInterval(45))
        }
    }
}

/// A session store that can hold the next commit of session updates until the test releases it, as a
/// stalled disk or a paused machine would; everything else goes straight to the inner store.
final class DelayingSessionStore: SessionStore {
    private struct State {
        var holdNext = false
        var held: CheckedContinuation<Void, Never>?
        var heldWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let inner: any SessionStore
    private let state = Mutex(State())

    init(_ inner: any SessionStore) {
        self.inner = inner
    }

    func holdNextCommit() {
        state.withLock { $0.holdNext = true }
    }

    /// Returns once a commit is being held.
    func waitUntilCommitIsHeld() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.held != nil { return true }
                state.heldWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func releaseCommit() {
        let held = state.withLock { state in
            defer { state.held = nil }
            return state.held
        }
        held?.resume()
    }

    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        let hold = state.withLock { state in
            defer { state.holdNext = false }
            return state.holdNext
        }
        if hold {
            await withCheckedContinuation { continuation in
                let waiters = state.withLock { state in
                    state.held = continuation
                    defer { state.heldWaiters = [] }
                    return state.heldWaiters
                }
                for waiter in waiters { waiter.resume() }
            }
        }
        return try await inner.updateSessions(updates)
    }

    func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try await inner.insertSession(session, requiringAccountEpoch: epoch, audit: audit)
    }

    func session(id: String) async throws -> SessionRecord? { try await inner.session(id: id) }

    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        try await inner.sessionWithAccount(id: id)
    }

    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try await inner.revokeSessions(scope, reason: reason, at: date, audit: audit)
    }

    func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await inner.recordAuthentication(sessionID: sessionID, methods: methods, at: date, audit: audit)
    }

    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try await inner.sessions(accountID: accountID, includeInvalid: includeInvalid)
    }

    func deleteSessions(endedBefore date: Date) async throws -> Int { try await inner.deleteSessions(endedBefore: date) }
}
