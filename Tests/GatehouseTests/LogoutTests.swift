import Foundation
import Synchronization
import Testing

@testable import Gatehouse

@Suite("Logout and invalidation (spec §7.4)")
struct LogoutTests {
    /// Scenarios 47 and 49.
    @Test func logoutEndsOnlyThatSession() async throws {
        let world = World()
        let (s1, _) = try await world.login()
        let (s2, _) = try await world.login()
        let destroyed = Mutex(0)
        let request = Fixture.request(token: s1.authToken)
        request.onCallDestroySession = { _ in destroyed.withLock { $0 += 1 } }
        try await world.sessions.handleRequest(request)
        #expect(try await world.sessions.logout(authToken: s1.authToken, request: request))
        #expect(request.user == nil && request.authToken == nil && request.sessionDestroyed == true)
        #expect(destroyed.withLock { $0 } == 1)
        #expect(try await world.storedSession(s1.sessionDocument.id).valid == false)
        #expect(try await world.storedSession(s1.sessionDocument.id).revokedReason == .logout)
        #expect(try await world.storedSession(s2.sessionDocument.id).valid)
    }

    /// Scenario 48: a token that no longer verifies widens to all sessions — only because the request is
    /// authenticated as that account.
    @Test func logoutWithChangedSecretOnAuthenticatedRequest() async throws {
        let world = World()
        let (s1, _) = try await world.login()
        let (s2, _) = try await world.login()
        let request = try await world.send(s1.authToken)
        world.sessions.getTokenSecret = { _ in "changed" }
        #expect(try await world.sessions.logout(authToken: s1.authToken, request: request))
        #expect(request.user == nil)
        #expect(try await world.storedSession(s1.sessionDocument.id).valid == false)
        #expect(try await world.storedSession(s2.sessionDocument.id).valid == false)
    }

    @Test func badTokenOnUnauthenticatedInvalidationDoesNotWiden() async throws {
        let world = World()
        let (s1, _) = try await world.login()
        await expectAccountError(.tokenVerificationFailed) {
            _ = try await world.sessions.invalidateSessions(.one(authToken: "garbage"), accountID: s1.account.accountID, request: Fixture.request())
        }
        #expect(try await world.storedSession(s1.sessionDocument.id).valid)
    }

    /// Scenario 50.
    @Test func loggingOutTwice() async throws {
        let world = World()
        let (s1, _) = try await world.login()
        let first = try await world.send(s1.authToken)
        try await world.sessions.logout(authToken: s1.authToken, request: first)
        let destroyed = Mutex(0)
        let again = Fixture.request()
        again.user = s1.account
        again.onCallDestroySession = { _ in destroyed.withLock { $0 += 1 } }
        await expectAccountError(.sessionNotFound) { try await world.sessions.logout(authToken: s1.authToken, request: again) }
        #expect(again.user == nil && again.sessionDestroyed == true)
        #expect(destroyed.withLock { $0 } == 1)
    }

    /// Scenario 51.
    @Test func logoutWithoutUser() async throws {
        let world = World()
        let (s1, _) = try await world.login()
        let destroyed = Mutex(0)
        let request = Fixture.request()
        request.onCallDestroySession = { _ in destroyed.withLock { $0 += 1 } }
        await expectAccountError(.unauthorized) { try await world.sessions.logout(authToken: s1.authToken, request: request) }
        #expect(destroyed.withLock { $0 } == 0)
        #expect(try await world.storedSession(s1.sessionDocument.id).valid)
    }

    /// Scenario 52.
    @Test func invalidateAll() async throws {
        let world = World()
        let (s1, r1) = try await world.login()
        _ = try await world.login()
        _ = try await world.login()
        try await world.sessions.logout(authToken: s1.authToken, request: r1)
        #expect(try await world.sessions.invalidateSessions(.all, accountID: s1.account.accountID, request: Fixture.request()) == 2)
        #expect(try await world.store.sessions(accountID: s1.account.accountID, includeInvalid: false).isEmpty)
        await expectAccountError(.sessionNotFound) {
            _ = try await world.sessions.invalidateSessions(.all, accountID: s1.account.accountID, request: Fixture.request())
        }
    }

    @Test func invalidateAllButCurrent() async throws {
        let world = World()
        let (s1, _) = try await world.login()
        _ = try await world.login()
        _ = try await world.login()
        #expect(
            try await world.sessions.invalidateSessions(
                .allExcept(sessionID: s1.sessionDocument.id),
                accountID: s1.account.accountID,
                request: Fixture.request()
            ) == 2
        )
        _ = try await world.send(s1.authToken)
    }

    /// Scenario 53: an empty token still widens, but only on an authenticated request.
    @Test func emptyTokenOnAuthenticatedRequest() async throws {
        let world = World()
        let (s1, _) = try await world.login()
        _ = try await world.login()
        let request = try await world.send(s1.authToken)
        #expect(try await world.sessions.logout(authToken: "", request: request))
        #expect(try await world.store.sessions(accountID: s1.account.accountID, includeInvalid: false).isEmpty)
    }

    /// Scenario 54.
    @Test func anotherAccountsTokenEndsNothing() async throws {
        let world = World()
        try await world.createUser("accounta", email: "a@example.com")
        try await world.createUser("accountb", email: "b@example.com")
        let a = try await world.accounts.userByPasswordLogin(username: "accounta", password: Fixture.password, request: Fixture.request())
        let b = try await world.accounts.userByPasswordLogin(username: "accountb", password: Fixture.password, request: Fixture.request())
        let request = try await world.send(a.authToken)
        await expectAccountError(.sessionNotFound) { try await world.sessions.logout(authToken: b.authToken, request: request) }
        #expect(try await world.storedSession(b.sessionDocument.id).valid)
        #expect(try await world.storedSession(a.sessionDocument.id).valid)
    }

    /// Scenario 55.
    @Test func expiredTokenCanStillBeInvalidated() async throws {
        let world = World { $0.sessions.idleTimeout = nil }
        let (s1, _) = try await world.login()
        world.clock.advance(by: 8 * 86_400)
        #expect(
            try await world.sessions.invalidateSessions(.one(authToken: s1.authToken), accountID: s1.account.accountID, request: Fixture.request())
                == 1
        )
        #expect(try await world.storedSession(s1.sessionDocument.id).valid == false)
    }

    /// Scenario 56, and DESIGN §4.5: revocation is immediate.
    @Test func loggedOutTokenIsRefused() async throws {
        let world = World()
        let (s1, r1) = try await world.login()
        try await world.sessions.logout(authToken: s1.authToken, request: r1)
        await expectAccountError(.invalidSession) { try await world.send(s1.authToken) }
    }
}
