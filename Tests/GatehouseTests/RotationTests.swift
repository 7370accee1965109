import Foundation
import GatehouseTesting
import Synchronization
import Testing

@testable import Gatehouse

/// The six properties of DESIGN §4, each with an injected clock.
@Suite("Rotation")
struct RotationTests {
    /// §4.1: 50 concurrent requests with one token all succeed; exactly one rotates; the newest works.
    @Test func concurrentBurst() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let outcomes = try await withThrowingTaskGroup(of: SessionRequest.self) { group in
            for _ in 0..<50 { group.addTask { try await world.send(login.authToken) } }
            return try await group.reduce(into: [SessionRequest]()) { $0.append($1) }
        }
        let renewed = outcomes.filter(\.tokenRenewed)
        #expect(outcomes.count == 50)
        #expect(renewed.count == 1)
        #expect(outcomes.filter { !$0.tokenRenewed }.allSatisfy { $0.authToken == login.authToken && $0.user != nil })
        let newest = try #require(renewed.first?.authToken)
        world.clock.advance(by: 1)
        #expect(try await world.send(newest).tokenRenewed)
    }

    /// §4.1: a late parallel request may carry a token two renewals old.
    @Test func tokenTwoRenewalsOldWithinGrace() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let t1 = try #require(try await world.send(login.authToken).authToken)
        world.clock.advance(by: 1)
        _ = try await world.send(t1)
        world.clock.advance(by: 1)
        let late = try await world.send(login.authToken)
        #expect(late.tokenRenewed == false && late.user != nil)
    }

    /// §4.2: the response carrying T1 was lost; after the grace period T0 still works (its successor was
    /// never presented), gets a fresh token, and parallel retries with T0 are not theft.
    @Test func lostResponse() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let lost = try #require(try await world.send(login.authToken).authToken)
        world.clock.advance(by: 60)
        let retry = try await world.send(login.authToken)
        let fresh = try #require(retry.authToken)
        #expect(retry.tokenRenewed && fresh != login.authToken && fresh != lost)
        // A parallel retry of the same old token, right after: accepted without renewal.
        let parallel = try await world.send(login.authToken)
        #expect(parallel.tokenRenewed == false)
        // The fresh token works; the discarded one, presented after the grace period, is theft.
        world.clock.advance(by: 1)
        let next = try #require(try await world.send(fresh).authToken)
        world.clock.advance(by: 60)
        await expectAccountError(.tokenTheftDetected) { try await world.send(lost) }
        await expectAccountError(.invalidSession) { try await world.send(next) }
    }

    @Test func lostResponseTwiceInARow() async throws {
        let world = World()
        let (login, _) = try await world.login()
        _ = try await world.send(login.authToken)
        world.clock.advance(by: 60)
        _ = try await world.send(login.authToken)
        world.clock.advance(by: 60)
        let third = try await world.send(login.authToken)
        #expect(third.tokenRenewed)
    }

    /// §4.3: the previous token once its successor was presented, past the grace period, revokes the
    /// session, fires the hook and is reported as theft; the legitimate holder must log in again.
    @Test func theftRevokesTheSession() async throws {
        let world = World()
        let events = Mutex<[TokenTheftEvent]>([])
        let boundClients = Mutex<[ConnectionInfo?]>([])
        try world.sessions.onTokenTheft.push { event, _ in
            events.withLock { $0.append(event) }
            // What a hook records names the client that replayed the token.
            boundClients.withLock { $0.append(AuditContext.current?.client) }
            return .next
        }
        let (login, _) = try await world.login()
        let t1 = try #require(try await world.send(login.authToken).authToken)
        world.clock.advance(by: 1)
        let t2 = try #require(try await world.send(t1).authToken)
        world.clock.advance(by: 1)
        let t3 = try #require(try await world.send(t2).authToken)
        world.clock.advance(by: 31)
        await expectAccountError(.tokenTheftDetected) { try await world.send(t1) }
        #expect(events.withLock { $0.map(\.sessionID) } == [login.sessionDocument.id])
        #expect(boundClients.withLock { $0.map { $0?.ip } } == ["12345678"])
        let record = try await world.storedSession(login.sessionDocument.id)
        #expect(record.valid == false && record.revokedReason == .tokenTheft)
        await expectAccountError(.invalidSession) { try await world.send(t3) }
    }

    /// With interval renewal the previous token's successor can be presented without being replaced;
    /// from then on the previous token, past the grace period, is theft rather than a lost response.
    @Test func previousTokenAfterItsSuccessorWasUsedIsTheft() async throws {
        let world = World { $0.sessions.renewal = .olderThan(.seconds(300)) }
        let (login, _) = try await world.login()
        world.clock.advance(by: 300)
        let t1 = try #require(try await world.send(login.authToken).authToken)
        world.clock.advance(by: 1)
        #expect(try await world.send(t1).tokenRenewed == false)
        world.clock.advance(by: 60)
        await expectAccountError(.tokenTheftDetected) { try await world.send(login.authToken) }
    }

    @Test func olderTokenPastGraceIsTheft() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let t1 = try #require(try await world.send(login.authToken).authToken)
        world.clock.advance(by: 1)
        _ = try await world.send(t1)
        world.clock.advance(by: 60)
        await expectAccountError(.tokenTheftDetected) { try await world.send(login.authToken) }
    }

    /// §4.4: absolute lifetime and idle timeout, enforced on the server.
    @Test func idleTimeout() async throws {
        let world = World { $0.sessions.idleTimeout = .seconds(3_600) }
        let (login, _) = try await world.login()
        world.clock.advance(by: 3_599)
        let renewed = try #require(try await world.send(login.authToken).authToken)
        world.clock.advance(by: 3_600)
        await expectAccountError(.sessionExpired) { try await world.send(renewed) }
    }

    @Test func absoluteLifetime() async throws {
        let world = World { $0.sessions.absoluteLifetime = .seconds(86_400) }
        let (login, _) = try await world.login()
        var token = login.authToken
        for _ in 0..<23 {
            world.clock.advance(by: 3_600)
            token = try #require(try await world.send(token).authToken)
        }
        world.clock.advance(by: 3_599)
        token = try #require(try await world.send(token).authToken)
        world.clock.advance(by: 1)
        await expectAccountError(.sessionExpired) { try await world.send(token) }
    }

    /// §4.5: revocation is immediate for every token of the session, including those in the grace window.
    @Test func revocationIsImmediate() async throws {
        let world = World()
        let (login, request) = try await world.login()
        let t1 = try #require(try await world.send(login.authToken).authToken)
        _ = try await world.sessions.invalidateSessions(.all, accountID: login.account.accountID, request: request)
        await expectAccountError(.invalidSession) { try await world.send(t1) }
        await expectAccountError(.invalidSession) { try await world.send(login.authToken) }
    }

    /// Interval renewal: young tokens are accepted as they are; the first presentation is recorded,
    /// so the lost-response rule knows the token was received.
    @Test func intervalPolicy() async throws {
        let world = World { $0.sessions.renewal = .olderThan(.seconds(300)) }
        let (login, _) = try await world.login()
        let early = try await world.send(login.authToken)
        #expect(early.tokenRenewed == false)
        #expect(try await world.storedSession(login.sessionDocument.id).currentPresented)
        world.clock.advance(by: 300)
        let due = try await world.send(login.authToken)
        #expect(due.tokenRenewed)
        // Forced refresh renews a young token.
        let forced = try await world.sessions.refreshTokens(
            RefreshTokensInput(authToken: try #require(due.authToken), request: Fixture.request(), forceRenewal: true)
        )
        #expect(forced.renewed)
    }

    /// Rotating the signing key logs nobody out: old tokens verify, renewals are signed with the new key.
    @Test func keyRotationKeepsSessions() async throws {
        let ring = KeyRing(signingKey: try .generate(kid: "k1", random: SeededRandomSource(seed: 1)))
        let world = World { $0.sessions.keyRing = ring }
        let (login, _) = try await world.login()
        ring.rotate(to: try .generate(kid: "k2", random: SeededRandomSource(seed: 2)))
        let renewed = try #require(try await world.send(login.authToken).authToken)
        #expect(try jwtSegment(renewed, 0)["kid"] as? String == "k2")
        ring.retire(kid: "k1")
        world.clock.advance(by: 1)
        _ = try await world.send(renewed)
    }

    /// §4.6: the store takes rotations as a batch and applies each compare-and-swap on its own.
    @Test func batchedCompareAndSwap() async throws {
        let world = World()
        let (a, _) = try await world.login()
        let (b, _) = try await world.login()
        let ra = try await world.storedSession(a.sessionDocument.id)
        let rb = try await world.storedSession(b.sessionDocument.id)
        func update(_ record: SessionRecord, expected: [UInt8]) -> SessionUpdate {
            SessionUpdate(
                sessionID: record.id,
                expectedCurrentHash: expected,
                currentHash: SecretDigest.sha256("n\(record.id)"),
                previousHash: record.currentHash,
                rotatedAt: world.clock.now(),
                olderSecrets: [],
                currentPresented: false,
                lastUsedAt: world.clock.now(),
                ip: "x",
                userAgent: "IE"
            )
        }
        let results = try await world.store.updateSessions([
            update(ra, expected: ra.currentHash), update(rb, expected: [1, 2, 3]), update(ra, expected: ra.currentHash),
        ])
        #expect(results == [true, false, false])
    }
}
