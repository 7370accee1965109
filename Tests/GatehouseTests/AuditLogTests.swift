import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// The audit log: each security event recorded with the change it records, naming who acted and from
/// where, and never a secret; and its webhook calls.
@Suite("Audit log")
struct AuditLogTests {
    @Test("Logins: a failure names the account when the username is known, a success names its new session")
    func logins() async throws {
        let world = World()
        let account = try await world.createUser()
        await expectAccountError(.loginFailed) { _ = try await world.signIn(FlowClient.office, password: "not the password at all") }
        await expectAccountError(.loginFailed) {
            _ = try await world.accounts.logIn(username: "nobody_here", password: Fixture.password, client: FlowClient.phone)
        }
        let login = try await world.signIn(FlowClient.home)

        let events = try await world.allEvents()
        #expect(events.map(\.kind) == [.loginSucceeded, .loginFailed, .loginFailed, .accountCreated])
        #expect(events[0].accountID == account.accountID && events[0].sessionID == login.session.id)
        #expect(events[0].clientAddress == FlowClient.home.ip && events[0].userAgent == FlowClient.home.userAgent)
        #expect(events[1].accountID == nil && events[1].clientAddress == FlowClient.phone.ip)
        #expect(events[2].accountID == account.accountID && events[2].clientAddress == FlowClient.office.ip)
        #expect(events.allSatisfy { $0.actor == .user })
    }

    @Test("The right password for an account that may not log in is a failed login, saying why", arguments: [false, true])
    func refusedAccount(_ deactivated: Bool) async throws {
        let world = World { options in options.requiresVerifiedEmail = !deactivated }
        let account = try await world.createUser()
        if deactivated { try await world.accounts.deactivateAccount(accountID: account.accountID) }
        await expectAccountError(deactivated ? .userDeactivated : .emailNotVerified) { _ = try await world.signIn(FlowClient.office) }

        let failure = try #require(try await world.allEvents().first)
        #expect(failure.kind == .loginFailed && failure.accountID == account.accountID && failure.sessionID == nil)
        #expect(failure.details == ["reason": deactivated ? "UserDeactivated" : "EmailNotVerified"])
        #expect(failure.clientAddress == FlowClient.office.ip)
    }

    @Test("A login refused by the throttle is recorded for the account it aimed at")
    func throttledLogin() async throws {
        let world = World { options in
            options.loginThrottle = LoginThrottle.Limits(perPair: RateLimit(count: 1, window: .seconds(900)))
        }
        let account = try await world.createUser()
        await expectAccountError(.loginFailed) { _ = try await world.signIn(FlowClient.office, password: "not the password at all") }
        await expectAccountError(.tooManyAttempts) { _ = try await world.signIn(FlowClient.office) }

        let latest = try #require(try await world.allEvents().first)
        #expect(latest.kind == .loginThrottled && latest.accountID == account.accountID && latest.clientAddress == FlowClient.office.ip)
    }

    @Test("A session ended from itself is a logout; ended from another session, it is a revocation saying which")
    func logoutAndRevocations() async throws {
        let world = World()
        let account = try await world.createUser()
        let first = try await world.signIn(FlowClient.home)
        let second = try await world.signIn(FlowClient.office)
        let third = try await world.signIn(FlowClient.phone)
        let id = account.accountID

        try await AuditContext.$current.withValue(AuditContext(client: FlowClient.home, sessionID: first.session.id)) {
            try await world.sessions.revokeSessions(.session(id: second.session.id, accountID: id))
        }
        try await AuditContext.$current.withValue(AuditContext(client: FlowClient.phone, sessionID: third.session.id)) {
            try await world.sessions.revokeSessions(.session(id: third.session.id, accountID: id))
        }
        try await AuditContext.$current.withValue(.operator) {
            try await world.sessions.revokeSessions(.allSessionsExcept(sessionID: "none", accountID: id), reason: .administrator)
        }
        // Nothing left to end: nothing is recorded.
        try await world.sessions.revokeSessions(.allSessions(accountID: id))

        let events = try await world.allEvents().prefix(3)
        #expect(events.map(\.kind) == [.sessionRevoked, .logout, .sessionRevoked])
        let byOperator = events[events.startIndex]
        #expect(byOperator.actor == .operator && byOperator.clientAddress == nil)
        #expect(byOperator.details == ["reason": "administrator", "scope": "others"])
        let logout = events[events.startIndex + 1]
        #expect(logout.sessionID == third.session.id && logout.clientAddress == FlowClient.phone.ip && logout.details.isEmpty)
        let fromAnother = events[events.startIndex + 2]
        #expect(fromAnother.sessionID == second.session.id && fromAnother.clientAddress == FlowClient.home.ip)
        #expect(fromAnother.details == ["reason": "logout", "scope": "session"] && fromAnother.actor == .user)
    }

    @Test("Theft is recorded by the system, with the client that replayed the superseded token")
    func theft() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let renewed = try #require(try await world.send(login.authToken).authToken)
        world.clock.advance(by: 31)
        _ = try await world.send(renewed)
        await expectAccountError(.tokenTheftDetected) { try await world.send(login.authToken, userAgent: "IE", ip: "10.9.8.7") }

        let latest = try #require(try await world.allEvents().first)
        #expect(latest.kind == .tokenTheftDetected && latest.actor == .system)
        #expect(latest.sessionID == login.sessionDocument.id && latest.clientAddress == "10.9.8.7")
        #expect(try await world.allEvents().filter { $0.kind == .sessionRevoked }.isEmpty, "the theft is one event, not also a revocation")
    }

    @Test("A password change and a reset are told apart, each with the revocation it causes")
    func passwords() async throws {
        let world = World()
        let account = try await world.createUser()
        let kept = try await world.signIn(FlowClient.home)
        _ = try await world.signIn(FlowClient.office)
        try await AuditContext.$current.withValue(AuditContext(client: FlowClient.home, sessionID: kept.session.id)) {
            try await world.accounts.changePassword(
                accountID: account.accountID,
                currentPassword: Fixture.password,
                newPassword: "a second long passphrase",
                keepingSession: kept.session.id,
                client: FlowClient.home
            )
        }
        let token = try await world.recoveryToken()
        try await world.accounts.recoverPassword(token: token, newPassword: "a third long passphrase")

        let kinds = try await world.allEvents().map(\.kind)
        // The reset link proved the address, so the reset also verifies it.
        #expect(Array(kinds.prefix(5)) == [.emailVerified, .sessionRevoked, .passwordReset, .sessionRevoked, .passwordChanged])
        let change = try #require(try await world.allEvents().first { $0.kind == .passwordChanged })
        #expect(change.sessionID == kept.session.id && change.clientAddress == FlowClient.home.ip)
        let revocations = try await world.allEvents().filter { $0.kind == .sessionRevoked }
        #expect(revocations.map(\.details) == [["reason": "password_changed", "scope": "all"], ["reason": "password_changed", "scope": "others"]])
    }

    @Test("Addresses verified and changed; the account deactivated, reactivated and deleted — its events outlive it")
    func accountLife() async throws {
        let world = World()
        let account = try await world.createUser()
        let id = account.accountID
        _ = try await world.accounts.confirmEmail(token: try await world.verificationToken(for: id))
        try await world.accounts.requestEmailChange(accountID: id, to: "new.address@example.com", password: Fixture.password, client: FlowClient.home)
        let change = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "new.address@example.com").token()
        _ = try await world.accounts.confirmEmail(token: change)
        try await AuditContext.$current.withValue(.operator) {
            try await world.accounts.deactivateAccount(accountID: id)
            try await world.accounts.reactivateAccount(accountID: id)
        }
        _ = try await world.signIn(FlowClient.home)
        try await world.accounts.deleteAccount(accountID: id, password: Fixture.password, client: FlowClient.home)

        let events = try await world.accounts.activity(ofAccount: id, limit: 100)
        #expect(
            events.map(\.kind) == [
                .accountDeleted, .sessionRevoked, .loginSucceeded, .accountReactivated, .accountDeactivated, .emailChanged, .emailVerified,
                .accountCreated,
            ]
        )
        #expect(events.first { $0.kind == .accountDeactivated }?.actor == .operator)
        #expect(events.first { $0.kind == .accountDeleted }?.actor == .user)
        #expect(try await world.store.account(id: id) == nil)
    }

    @Test("The activity log pages back, newest first", arguments: [1, 2, 3, 50])
    func paging(_ pageSize: Int) async throws {
        let world = World()
        let account = try await world.createUser()
        for _ in 0..<4 { _ = try await world.signIn(FlowClient.home) }
        let all = try await world.accounts.activity(ofAccount: account.accountID, limit: 100)
        #expect(all.count == 5)
        var paged: [AuditEvent] = []
        var before: String?
        while true {
            let page = try await world.accounts.activity(ofAccount: account.accountID, limit: pageSize, before: before)
            paged += page
            guard page.count == pageSize, let last = page.last else { break }
            before = last.id
        }
        #expect(paged == all)
        #expect(all.map(\.id) == all.map(\.id).sorted(by: >))
    }

    @Test("Each event is announced once per webhook endpoint, as a Standard Webhooks body, in the same write")
    func webhookCalls() async throws {
        let endpoints = ["https://hooks.example.com/gatehouse", "http://127.0.0.1:9000/in"]
        let world = World { options in options.sessions.auditLog = AuditLog(webhookEndpoints: endpoints) }
        let account = try await world.createUser()
        let login = try await world.signIn(FlowClient.home)

        let calls = try await world.store.messages(status: .pending, limit: 100).filter { $0.channel == .webhook }
        #expect(calls.count == 4)
        #expect(Set(calls.map(\.recipient)) == Set(endpoints))
        #expect(calls.allSatisfy { $0.accountID == nil })
        let loginCalls = calls.filter { $0.kind == AuditEvent.Kind.loginSucceeded.rawValue }
        #expect(loginCalls.count == 2 && loginCalls[0].payload == loginCalls[1].payload && loginCalls[0].id != loginCalls[1].id)

        let event = try #require(try await world.allEvents().first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(loginCalls[0].payload.utf8)) as? [String: Any])
        #expect(Set(body.keys) == ["type", "timestamp", "data"])
        #expect(body["type"] as? String == "login.succeeded")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["id"] as? String == event.id)
        #expect(data["accountId"] as? String == account.accountID && data["sessionId"] as? String == login.session.id)
        #expect(data["actor"] as? String == "user" && data["clientAddress"] as? String == FlowClient.home.ip)
        let timestamp = try #require(body["timestamp"] as? String)
        #expect(data["occurredAt"] as? String == timestamp)
        let parsed = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(timestamp)
        #expect(abs(parsed.timeIntervalSince(world.clock.now())) < 0.001)
    }

    @Test(
        "Times are published as RFC 3339 in UTC with the milliseconds a store keeps",
        arguments: [
            (1_764_579_332.819, "2025-12-01T08:55:32.819Z"),
            (1_764_579_332.8189999, "2025-12-01T08:55:32.819Z"),
            (1_764_579_332.0004, "2025-12-01T08:55:32.000Z"),
            (1_764_579_332.9996, "2025-12-01T08:55:33.000Z"),
            (0.05, "1970-01-01T00:00:00.050Z"),
        ]
    )
    func timestamps(_ seconds: Double, _ expected: String) {
        #expect(PublishedAuditEvent.timestamp(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("No event or webhook body carries a password, a token, a link or an e-mail address")
    func noSecrets() async throws {
        let world = World { options in options.sessions.auditLog = AuditLog(webhookEndpoints: ["https://hooks.example.com/in"]) }
        let account = try await world.createUser()
        let login = try await world.signIn(FlowClient.home)
        await expectAccountError(.loginFailed) { _ = try await world.signIn(FlowClient.office, password: "a wrong secret passphrase") }
        let verification = try await world.verificationToken(for: account.accountID)
        _ = try await world.accounts.confirmEmail(token: verification)
        let recovery = try await world.recoveryToken()
        try await world.accounts.recoverPassword(token: recovery, newPassword: "a brand new passphrase")

        let encoder = JSONEncoder()
        let events = try await world.allEvents()
        #expect(events.count >= 6)
        var texts = try events.map { String(decoding: try encoder.encode(PublishedAuditEvent($0)), as: UTF8.self) }
        texts += try await world.store.messages(status: nil, limit: 100).filter { $0.channel == .webhook }.map(\.payload)
        let secrets = [Fixture.password, "a wrong secret passphrase", "a brand new passphrase", login.token, verification, recovery, Fixture.email]
        for text in texts {
            for secret in secrets { #expect(!text.contains(secret), "\(text) contains a secret") }
        }
    }
}

extension World {
    /// Every audit event, newest first.
    func allEvents() async throws -> [AuditEvent] {
        try await store.auditEvents(accountID: nil, since: nil, before: nil, limit: 1_000)
    }
}
