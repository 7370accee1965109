import Foundation
import Synchronization
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("handleRequest and refresh (spec §7.3)")
struct HandleRequestTests {
    /// Scenario 29.
    @Test func requestWithoutTokenIsUntouched() async throws {
        let world = World()
        let request = Fixture.request()
        let returned = try await world.sessions.handleRequest(request)
        #expect(returned === request)
        #expect(request.user == nil && request.sessionDestroyed == nil && request.authToken == nil)
        #expect(try await world.sessions.trySetSession(Fixture.request(token: "")) == nil)
    }

    /// Scenarios 30 and 31.
    @Test func invalidTokenAndChangedSecret() async throws {
        let world = World()
        let (result, _) = try await world.login()
        await expectAccountError(.tokenVerificationFailed) { try await world.send("12345") }
        world.sessions.getTokenSecret = { _ in "new_secret" }
        await expectAccountError(.tokenVerificationFailed) { try await world.send(result.authToken) }
    }

    /// Scenario 32: the same request object comes back, renewed; the session keeps its id.
    @Test func renewal() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let request = Fixture.request(token: login.authToken)
        let returned = try await world.sessions.handleRequest(request)
        #expect(returned === request)
        let renewed = try #require(request.authToken)
        #expect(renewed != login.authToken)
        #expect(request.tokenRenewed)
        #expect(request.user?.accountID == login.account.accountID)
        #expect(request.session?.id == login.sessionDocument.id)
        let payload = try jwtSegment(renewed, 1)
        let record = try await world.storedSession(login.sessionDocument.id)
        #expect(record.currentHash == SecretDigest.sha256(Base64URL.decode(payload["rnd"] as! String)!))
        // Scenario 33: the renewed token works in turn.
        world.clock.advance(by: 1)
        let next = try await world.send(renewed)
        #expect(next.tokenRenewed && next.authToken != renewed)
    }

    /// Scenario 34, inverted: a superseded token is accepted only within the grace period, without a new
    /// token; after it, its replay is theft.
    @Test func supersededTokenReplay() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let j2 = try #require(try await world.send(login.authToken).authToken)
        _ = try await world.send(j2)  // the successor is used: J1 can no longer be a lost response
        world.clock.advance(by: 5)
        let withinGrace = try await world.send(login.authToken)
        #expect(withinGrace.tokenRenewed == false && withinGrace.authToken == login.authToken)
        world.clock.advance(by: 30)
        await expectAccountError(.tokenTheftDetected) { try await world.send(login.authToken) }
    }

    /// Scenario 35: a changed user agent is refused and nothing is written.
    @Test func userAgentChanged() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let before = try await world.storedSession(login.sessionDocument.id)
        await expectAccountError(.invalidSession) { try await world.send(login.authToken, userAgent: "Firefox") }
        #expect(try await world.storedSession(login.sessionDocument.id) == before)
        _ = try await world.send(login.authToken)
    }

    @Test func userAgentBindingCanBeTurnedOff() async throws {
        let world = World { $0.sessions.bindUserAgent = false }
        let (login, _) = try await world.login()
        #expect(try jwtSegment(login.authToken, 1)["uah"] == nil)
        _ = try await world.send(login.authToken, userAgent: "Firefox")
    }

    /// Scenario 36: the IP is recorded, not checked.
    @Test func ipChangeIsRecorded() async throws {
        let world = World()
        let (login, _) = try await world.login(ip: "1.1.1.1")
        _ = try await world.send(login.authToken, ip: "2.2.2.2")
        #expect(try await world.storedSession(login.sessionDocument.id).ip == "2.2.2.2")
    }

    /// Scenario 37 through the whole stack.
    @Test func tokenExpiry() async throws {
        let world = World { $0.sessions.idleTimeout = nil }
        let (login, _) = try await world.login()
        world.clock.advance(by: 604_800)
        await expectAccountError(.tokenVerificationFailed) { try await world.send(login.authToken) }
        let (second, _) = try await world.login()
        world.clock.advance(by: 604_799)
        _ = try await world.send(second.authToken)
    }

    /// Scenario 39: a well-signed token for a session that does not exist.
    @Test func unknownSession() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let key = try SigningKey(secret: Fixture.secret)
        let forged = AuthTokenCodec().sign(
            AuthTokenClaims(
                sessionID: "01HZX3K2M4N5P6Q7R8S9T0V1W3",
                accountID: login.account.accountID,
                issuedAt: 1_700_000_000,
                expiresAt: 1_700_000_100,
                secret: Array(repeating: 1, count: 32),
                userAgentHash: AuthTokenCodec().userAgentHash("IE", key: key)
            ),
            with: key
        )
        await expectAccountError(.sessionNotFound) { try await world.send(forged) }
    }

    @Test func tokenOfAnotherAccountsSessionIsRefused() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let key = try SigningKey(secret: Fixture.secret)
        let other = try await world.createUser("other", email: "other@example.com")
        let payload = try jwtSegment(login.authToken, 1)
        let forged = AuthTokenCodec().sign(
            AuthTokenClaims(
                sessionID: login.sessionDocument.id,
                accountID: other.accountID,
                issuedAt: 1_700_000_000,
                expiresAt: 1_700_000_100,
                secret: Base64URL.decode(payload["rnd"] as! String)!,
                userAgentHash: payload["uah"] as? String
            ),
            with: key
        )
        await expectAccountError(.tokenVerificationFailed) { try await world.send(forged) }
    }

    /// Scenario 40, inverted: a logged-out session is refused and not rewritten.
    @Test func loggedOutSessionIsNotRewritten() async throws {
        let world = World()
        let (login, request) = try await world.login()
        try await world.sessions.logout(authToken: login.authToken, request: request)
        let before = try await world.storedSession(login.sessionDocument.id)
        await expectAccountError(.invalidSession) { try await world.send(login.authToken) }
        #expect(try await world.storedSession(login.sessionDocument.id) == before)
    }

    /// Scenario 41.
    @Test func hookOrder() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let sawUserBefore = Mutex<Bool?>(nil)
        let sawUserAfter = Mutex<Bool?>(nil)
        let cookie = login.authToken
        try world.sessions.hooks.onRequest.unshift("cookie") { request, _ in
            sawUserBefore.withLock { $0 = request.user != nil }
            // What a cookie parser does: fill the token before authentication runs.
            if request.authToken == nil { request.authToken = cookie }
            return .next
        }
        try world.sessions.hooks.onRequest.push("after") { request, _ in
            sawUserAfter.withLock { $0 = request.user != nil }
            return .next
        }
        let request = Fixture.request()
        try await world.sessions.handleRequest(request)
        #expect(sawUserBefore.withLock { $0 } == false)
        #expect(sawUserAfter.withLock { $0 } == true)
        #expect(request.user?.username == Fixture.username)
    }

    @Test func finishBeforeTheHandlerSkipsAuthentication() async throws {
        let world = World()
        let replacement = Fixture.request()
        try world.sessions.hooks.onRequest.unshift { _, _ in .finish(replacement) }
        let returned = try await world.sessions.handleRequest(Fixture.request(token: "12345"))
        #expect(returned === replacement)
    }

    /// Scenario 42.
    @Test func registrationAfterFirstDispatchIsRefused() async throws {
        let world = World()
        try await world.sessions.handleRequest(Fixture.request())
        #expect(throws: AccountError(.hookFrozen)) { try world.sessions.hooks.onRequest.push { _, _ in .next } }
    }

    /// Scenario 43.
    @Test func onRefreshTokens() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let calls = Mutex(0)
        try world.sessions.hooks.onRefreshTokens.push { event, context in
            calls.withLock { $0 += 1 }
            #expect(event.request === context)
            #expect(event.result.authToken == context.authToken)
            return .next
        }
        _ = try await world.send(login.authToken)
        try await world.sessions.handleRequest(Fixture.request())
        await expectAccountError(.tokenVerificationFailed) { try await world.send("12345") }
        #expect(calls.withLock { $0 } == 1)
    }

    @Test func throwingOnRefreshTokensFailsAfterTheRotation() async throws {
        struct HookFailure: Error {}
        let world = World()
        let (login, _) = try await world.login()
        try world.sessions.hooks.onRefreshTokens.push { _, _ in throw HookFailure() }
        let request = Fixture.request(token: login.authToken)
        // The rotation is committed: the hook's error comes with the new token, which the request holds too.
        let error = await #expect(throws: RenewedSessionError.self) { try await world.sessions.handleRequest(request) }
        #expect(error?.underlying is HookFailure)
        #expect(error?.authToken == request.authToken)
        #expect(request.authToken != login.authToken)
        #expect(
            try await world.storedSession(login.sessionDocument.id).currentHash
                != SecretDigest.sha256(Base64URL.decode(try jwtSegment(login.authToken, 1)["rnd"] as! String)!)
        )
    }

    /// Scenario 44.
    @Test func onUpsertSessionErrorMapsErrors() async throws {
        struct Mapped: Error {}
        let world = World()
        let calls = Mutex(0)
        try world.sessions.hooks.onUpsertSessionError.push { error, _ in
            calls.withLock { $0 += 1 }
            return (error as? AccountError)?.code == .tokenVerificationFailed ? .replace(Mapped()) : .next
        }
        await #expect(throws: Mapped.self) { try await world.send("12345") }
        // A failure of the caller's own secret supplier is not routed through the hook.
        struct SupplierDown: Error {}
        world.sessions.getTokenSecret = { _ in throw SupplierDown() }
        let (token, _) = (try? await World().login())!
        await #expect(throws: SupplierDown.self) { try await world.send(token.authToken) }
        #expect(calls.withLock { $0 } == 1)
    }

    @Test func originalErrorWithoutMiddleware() async throws {
        await expectAccountError(.tokenVerificationFailed) { try await World().send("12345") }
    }

    /// Scenario 46, inverted: the user on the request is a projection with nothing secret in it.
    @Test func userCarriesNoSecrets() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let request = try await world.send(login.authToken)
        let user = try #require(request.user)
        let encoded = String(decoding: try JSONEncoder().encode(user), as: UTF8.self)
        let hash = try #require(try await world.store.passwordHash(accountID: user.accountID))
        #expect(!encoded.contains(hash))
        #expect(!encoded.contains("token") && !encoded.contains("hash"))
        #expect(
            Set(Mirror(reflecting: user).children.compactMap(\.label)) == [
                "accountID", "username", "email", "emailVerified", "deactivated", "permissions", "createdAt", "sessionEpoch",
            ]
        )
    }
}
