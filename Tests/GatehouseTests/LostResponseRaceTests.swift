import Foundation
import Synchronization
import Testing

@testable import Gatehouse

/// The lost-response rule decides on more than the current secret: "the presented token is the previous
/// one, and its successor was never presented". A request presenting the successor can land between
/// that decision and its write without changing the current secret (it only marks it presented), so the
/// write must require the whole state it was decided on; when it fails, the retry sees the successor
/// presented and judges the previous token as theft.
@Suite("Lost-response renewal racing a request with the successor")
struct LostResponseRaceTests {
    static let client = ConnectionInfo(ip: Fixture.request().requestIp!, userAgent: Fixture.request().userAgent!)

    /// A session store that runs `interleave` right before it forwards the first update it is given:
    /// another server's request landing between a decision and its write.
    final class InterleavingStore: SessionStore {
        let inner: any SessionStore
        private let pending: Mutex<(@Sendable () async throws -> Void)?>
        private let forwarded = Mutex<[(update: SessionUpdate, applied: Bool)]>([])

        init(_ inner: any SessionStore, interleave: (@Sendable () async throws -> Void)?) {
            self.inner = inner
            self.pending = Mutex(interleave)
        }

        /// Every update forwarded, and whether the inner store applied it.
        var updates: [(update: SessionUpdate, applied: Bool)] { forwarded.withLock { $0 } }

        func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
            let interleave = pending.withLock { pending in
                defer { pending = nil }
                return pending
            }
            if let interleave { try await interleave() }
            let applied = try await inner.updateSessions(updates)
            forwarded.withLock { $0.append(contentsOf: zip(updates, applied).map { ($0, $1) }) }
            return applied
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

    /// A session whose renewal's response was lost: the client still holds `previous`, the store's
    /// current token is `lost` and was never presented, and the grace period is over. Interval renewal,
    /// so that presenting `lost` accepts it (and marks it presented) rather than rotating it.
    static func lostResponse() async throws -> (world: World, sessionID: String, previous: String, lost: String) {
        let world = World { $0.sessions.renewal = .olderThan(.seconds(3_600)) }
        let (login, _) = try await world.login()
        let renewed = try await world.sessions.authenticate(token: login.authToken, client: client, forceRenewal: true)
        let lost = try #require(renewed?.token)
        #expect(renewed?.isRenewed == true)
        world.clock.advance(by: world.accounts.options.sessions.gracePeriod + .seconds(1))
        return (world, login.sessionDocument.id, login.authToken, lost)
    }

    @Test("A request presenting the successor between the decision and the write: the retry is theft, not a fresh token")
    func successorPresentedInBetween() async throws {
        let (world, sessionID, previous, lost) = try await Self.lostResponse()
        // The other server presents the successor: accepted, and marked presented, current secret unchanged.
        let store = InterleavingStore(world.store) {
            let other = try await world.sessions.authenticate(token: lost, client: Self.client)
            #expect(other?.isRenewed == false)
        }
        let sessions = Sessions(options: world.accounts.options.sessions, store: store)

        await expectAccountError(.tokenTheftDetected) {
            _ = try await sessions.authenticate(token: previous, client: Self.client)
        }
        #expect(store.updates.count == 1)
        #expect(store.updates.first?.applied == false, "the lost-response renewal was decided on a successor never presented")
        let stored = try await world.storedSession(sessionID)
        #expect(!stored.valid && stored.revokedReason == .tokenTheft)
        await expectAccountError(.invalidSession) {
            _ = try await world.sessions.authenticate(token: lost, client: Self.client)
        }
    }

    @Test("Without a request in between, the previous token gets a fresh token; the write names the state it was decided on")
    func lostResponseAlone() async throws {
        let (world, sessionID, previous, lost) = try await Self.lostResponse()
        let before = try await world.storedSession(sessionID)
        let store = InterleavingStore(world.store, interleave: nil)
        let sessions = Sessions(options: world.accounts.options.sessions, store: store)

        let retry = try #require(try await sessions.authenticate(token: previous, client: Self.client))
        #expect(retry.isRenewed && retry.token != previous && retry.token != lost)
        let write = try #require(store.updates.first)
        #expect(write.applied)
        #expect(write.update.expectedCurrentHash == before.currentHash)
        #expect(write.update.expectedPreviousHash == before.previousHash)
        #expect(write.update.requiresUnpresentedCurrent)
        #expect(try await world.storedSession(sessionID).valid)
        #expect(try await world.sessions.authenticate(token: retry.token, client: Self.client)?.account.username == Fixture.username)
    }
}
