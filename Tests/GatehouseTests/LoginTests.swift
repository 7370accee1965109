import Foundation
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Login (spec §7.2)")
struct LoginTests {
    /// Scenario 18.
    @Test func passwordLogin() async throws {
        let world = World()
        try await world.createUser()
        await expectAccountError(.loginFailed) {
            _ = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: "wrongpass", request: Fixture.request())
        }
        let request = Fixture.request()
        let result = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: Fixture.password, request: request)
        #expect(result.authToken.count > 200)
        #expect(result.account.username == Fixture.username)
        #expect(request.user?.username == Fixture.username)
        #expect(request.authToken == result.authToken)
        #expect(request.session == result.sessionDocument)
    }

    /// Scenario 19: unknown username is the same failure, and writes nothing.
    @Test func unknownUser() async throws {
        let world = World()
        try await world.createUser()
        await expectAccountError(.loginFailed) {
            _ = try await world.accounts.userByPasswordLogin(username: "nobody", password: Fixture.password, request: Fixture.request())
        }
        await expectAccountError(.loginFailed) {
            _ = try await world.accounts.userByPasswordLogin(username: "not a valid name!", password: Fixture.password, request: Fixture.request())
        }
        let account = try #require(try await world.accounts.findUser(username: Fixture.username))
        #expect(try await world.store.sessions(accountID: account.accountID, includeInvalid: true).isEmpty)
    }

    /// Scenario 20.
    @Test(arguments: [(nil, 604_800), ("1h", 3_600), ("12h", 43_200)] as [(String?, Int)])
    func tokenShape(_ testCase: (String?, Int)) async throws {
        let world = World { options in
            if let duration = testCase.0 { try! options.sessions.setTokenDuration(duration) }
        }
        let (result, _) = try await world.login()
        #expect(try jwtSegment(result.authToken, 0) as NSDictionary == ["alg": "HS256", "typ": "JWT", "kid": "default"] as NSDictionary)
        let payload = try jwtSegment(result.authToken, 1)
        #expect(payload["iat"] as? Int == 1_700_000_000)
        #expect(payload["exp"] as? Int == 1_700_000_000 + testCase.1)
    }

    /// Scenario 21, adapted: the session stores the digest of the token secret, never the token, and
    /// the token carries no IP and no readable user agent.
    @Test func storedSession() async throws {
        let world = World()
        let (result, _) = try await world.login()
        let record = try await world.storedSession(result.sessionDocument.id)
        #expect(record.valid)
        #expect(record.accountID == result.account.accountID)
        #expect(record.ip == "12345678" && record.userAgent == "IE")
        let payload = try jwtSegment(result.authToken, 1)
        let encodedSecret = try #require(payload["rnd"] as? String)
        let secret = try #require(Base64URL.decode(encodedSecret))
        #expect(secret.count == 32)
        #expect(record.currentHash == SecretDigest.sha256(secret))
        #expect(payload["sid"] as? String == record.id)
        #expect(payload["sub"] as? String == result.account.accountID)
        #expect(!result.authToken.contains("12345678") && payload["i"] == nil)
        #expect((payload["uah"] as? String)?.contains("IE") == false)
    }

    /// Scenarios 22–23, and 23's quirk inverted when asked: `setPassword` can end the other sessions.
    @Test func setPassword() async throws {
        let world = World { $0.keepsSessionsOnPasswordChange = true }
        let (before, _) = try await world.login()
        try await world.accounts.setPassword(accountID: before.account.accountID, newPassword: "a new passphrase 2")
        await expectAccountError(.loginFailed) { _ = try await world.login() }
        let request = Fixture.request()
        let after = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: "a new passphrase 2", request: request)
        // Sessions kept on password changes (`keepsSessionsOnPasswordChange`): other sessions keep working.
        let renewed = try await world.send(before.authToken)
        try await world.accounts.setPassword(
            accountID: before.account.accountID,
            newPassword: "newer1234",
            revoking: .allExcept(sessionID: after.sessionDocument.id)
        )
        await expectAccountError(.invalidSession) { try await world.send(try #require(renewed.authToken)) }
        _ = try await world.send(after.authToken)
    }

    /// Scenario 24, inverted.
    @Test func setPasswordForUnknownAccount() async throws {
        await expectAccountError(.userNotFound) { try await World().accounts.setPassword(accountID: "nobody", newPassword: "a new passphrase 2") }
    }

    /// Scenario 25.
    @Test func pushCustomSession() async throws {
        let world = World()
        await expectAccountError(.loginFailed) {
            _ = try await world.accounts.pushCustomSession(username: Fixture.username, request: Fixture.request())
        }
        try await world.createUser()
        let result = try await world.accounts.pushCustomSession(username: Fixture.username, request: Fixture.request())
        #expect(result.sessionDocument.valid)
        _ = try await world.send(result.authToken)
    }

    /// Scenario 26, inverted: a deactivated account can neither log in nor refresh.
    @Test func deactivatedAccount() async throws {
        let world = World()
        let (result, _) = try await world.login()
        _ = try await world.store.setDeactivated(accountID: result.account.accountID, true, at: world.clock.now())
        await expectAccountError(.userDeactivated) { try await world.send(result.authToken) }
        await expectAccountError(.userDeactivated) { _ = try await world.login() }
        await expectAccountError(.userDeactivated) {
            _ = try await world.accounts.pushCustomSession(username: Fixture.username, request: Fixture.request())
        }
    }

    /// Scenario 27.
    @Test func missingConnectionInfo() async throws {
        let world = World()
        let account = try await world.createUser()
        await expectAccountError(.invalidLocationInfoUserAgent) {
            _ = try await world.accounts.userByPasswordLogin(
                username: Fixture.username,
                password: Fixture.password,
                request: Fixture.request(userAgent: nil)
            )
        }
        await expectAccountError(.invalidLocationInfoIP) {
            _ = try await world.accounts.userByPasswordLogin(
                username: Fixture.username,
                password: Fixture.password,
                request: Fixture.request(ip: nil)
            )
        }
        #expect(try await world.store.sessions(accountID: account.accountID, includeInvalid: true).isEmpty)
        // Empty strings are accepted, as in the original.
        _ = try await world.accounts.userByPasswordLogin(
            username: Fixture.username,
            password: Fixture.password,
            request: Fixture.request(ip: "", userAgent: "")
        )
    }

    /// Scenario 28, inverted: a bad duration is refused when configured, and a signing failure leaves no
    /// session behind.
    @Test func badConfigurationLeavesNoSession() async throws {
        var options = SessionsOptions()
        #expect(throws: AccountError(.invalidConfiguration)) { try options.setTokenDuration("soon") }
        #expect(throws: AccountError(.invalidConfiguration)) { try options.setTokenDuration("-1h") }

        let world = World()
        let account = try await world.createUser()
        world.sessions.getTokenSecret = { _ in "" }
        await expectAccountError(.invalidConfiguration) { _ = try await world.login() }
        #expect(try await world.store.sessions(accountID: account.accountID, includeInvalid: true).isEmpty)
    }

    @Test func throttlingLimitsFailuresPerPair() async throws {
        let world = World {
            $0.loginThrottle = .init(
                perPair: RateLimit(count: 3, window: .seconds(900)),
                perAddress: RateLimit(count: 10, window: .seconds(900)),
                perAccount: RateLimit(count: 50, window: .seconds(900))
            )
        }
        try await world.createUser()
        for _ in 0..<3 {
            await expectAccountError(.loginFailed) {
                _ = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: "wrong-pass", request: Fixture.request())
            }
        }
        do {
            _ = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: Fixture.password, request: Fixture.request())
            Issue.record("the right password must be refused while throttled")
        } catch let error as AccountError {
            #expect(error.code == .tooManyAttempts)
            #expect(error.retryAfter == 900)
        }
        // Another IP is not locked out by this pair.
        _ = try await world.accounts.userByPasswordLogin(
            username: Fixture.username,
            password: Fixture.password,
            request: Fixture.request(ip: "10.0.0.9")
        )
        // Refusals do not extend the window.
        world.clock.advance(by: 900)
        _ = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: Fixture.password, request: Fixture.request())
    }
}
