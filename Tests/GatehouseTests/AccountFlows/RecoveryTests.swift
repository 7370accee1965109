import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// `requestPasswordRecovery` and `recoverPassword`: a reset link that tells nobody whether an address
/// has an account, and a new password that ends every session of the account.
@Suite("Account flows: password recovery")
struct RecoveryTests {
    @Test("A known address gets exactly one reset_password message with a link carrying the token")
    func knownAddress() async throws {
        let world = World()
        let account = try await world.createUser()
        let now = world.clock.now()
        try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home)

        #expect(try await world.outbox().count == 1)
        let mail = try await world.onlyMail(AccountMessage.resetPassword, to: Fixture.email)
        #expect(mail.message.accountID == account.accountID)
        #expect(mail.message.channel == .mail && mail.message.status == .pending)
        #expect(Set(mail.values.keys) == ["username", "link", "expires_in"])
        #expect(mail.values["username"] == Fixture.username)
        #expect(mail.values["expires_in"] == "1 hour")
        let token = try mail.token()
        #expect(mail.values["link"] == "http://127.0.0.1:8080/ui/reset?token=\(token)")
        #expect(base64URLDecoded(token)?.count == 32)

        let stored = try await world.store.tokens(accountID: account.accountID, kind: .passwordRecovery)
        #expect(stored.count == 1)
        let record = try #require(stored.first)
        #expect(record.hash == storedDigest(of: token))
        #expect(record.createdFor == account.accountID)
        #expect(record.expiresAt == now.addingTimeInterval(3_600))
    }

    @Test(
        "The address is matched as the canonical form, and the message goes to that form",
        arguments: ["antonio@example.com", "ANTONIO@EXAMPLE.COM", "Antonio@Example.Com"]
    )
    func addressIsCanonicalised(_ typed: String) async throws {
        let world = World()
        try await world.createUser()
        try await world.accounts.requestPasswordRecovery(email: typed, client: FlowClient.home)
        let mails = try await world.outbox()
        #expect(mails.map(\.kind) == [AccountMessage.resetPassword])
        #expect(mails.map(\.recipient) == [Fixture.email])
    }

    @Test(
        "An address without an account answers like a known one — no error — and queues nothing",
        arguments: [
            "nobody@example.com", "antonio@example.org", "not an address", "", " antonio@example.com",
            String(repeating: "x", count: 5_000) + "@example.com",
        ]
    )
    func unknownAddress(_ email: String) async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.requestPasswordRecovery(email: email, client: FlowClient.home)
        #expect(try await world.outbox().isEmpty)
        #expect(try await world.store.tokens(accountID: account.accountID, kind: .passwordRecovery).isEmpty)
    }

    @Test("A deactivated account gets no reset message, and the request does not fail")
    func deactivatedAccount() async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.deactivateAccount(accountID: account.accountID)
        try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home)
        #expect(try await world.outbox().isEmpty)
    }

    @Test("recoverPassword sets the password: the old one fails, the new one logs in")
    func setsThePassword() async throws {
        let world = World()
        let account = try await world.createUser()
        let token = try await world.recoveryToken()
        #expect(try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase") == account.accountID)
        await expectAccountError(.loginFailed) { _ = try await world.signIn() }
        #expect(try await world.signIn(password: "a fresh passphrase").accountID == account.accountID)
    }

    @Test("recoverPassword ends every session of the account, and only that account's")
    func endsEverySession() async throws {
        let world = World()
        let account = try await world.createUser()
        let other = try await world.createUser("someone_else", email: "else@example.com")
        let clients = [FlowClient.home, FlowClient.office, FlowClient.phone]
        var logins: [Authentication] = []
        for client in clients { logins.append(try await world.signIn(client)) }
        let bystander = try await world.accounts.logIn(username: "someone_else", password: Fixture.password, client: FlowClient.home)

        try await world.accounts.recoverPassword(token: try await world.recoveryToken(), newPassword: "a fresh passphrase")

        for (login, client) in zip(logins, clients) {
            #expect(await world.sessionOutcome(login.token, client: client) == .invalidSession)
            let stored = try await world.storedSession(login.sessionID)
            #expect(!stored.valid)
            #expect(stored.revokedReason == .passwordChanged)
        }
        #expect(try await world.accounts.sessions(ofAccount: account.accountID).isEmpty)
        #expect(await world.sessionOutcome(bystander.token, client: FlowClient.home) == nil)
        #expect(try await world.accounts.sessions(ofAccount: other.accountID).count == 1)
    }

    @Test("recoverPassword clears the account's login throttle")
    func clearsTheLoginThrottle() async throws {
        let world = World()
        try await world.createUser()
        let limit = try #require(world.accounts.loginThrottle?.limits.perPair.count)
        for _ in 0..<limit {
            await expectAccountError(.loginFailed) { _ = try await world.signIn(password: "a wrong guess here") }
        }
        await expectAccountError(.tooManyAttempts) { _ = try await world.signIn() }

        try await world.accounts.recoverPassword(token: try await world.recoveryToken(), newPassword: "a fresh passphrase")

        let login = try await world.signIn(password: "a fresh passphrase")
        #expect(login.account.username == Fixture.username)
    }

    @Test("A reset token is single use, and spent by the reset")
    func singleUse() async throws {
        let world = World()
        let account = try await world.createUser()
        let token = try await world.recoveryToken()
        try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase")
        await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: token, newPassword: "another passphrase") }
        #expect(try await world.signIn(password: "a fresh passphrase").accountID == account.accountID)
        #expect(
            try await world.store.tokens(accountID: account.accountID, kind: .passwordRecovery).isEmpty,
            "the reset removes the account's reset tokens"
        )
    }

    @Test(
        "A reset token works until its lifetime ends",
        arguments: [(-1.0, true), (0, false), (1, false), (86_400, false)]
    )
    func expiry(_ pastLifetime: Double, _ accepted: Bool) async throws {
        let world = World()
        try await world.createUser()
        let token = try await world.recoveryToken()
        world.clock.advance(by: world.accounts.options.passwordResetTokenLifetime)
        world.clock.advance(by: pastLifetime)
        if accepted {
            try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase")
            _ = try await world.signIn(password: "a fresh passphrase")
        } else {
            await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase") }
            _ = try await world.signIn()
        }
    }

    @Test("passwordResetTokenLifetime sets the reset link's lifetime")
    func configuredLifetime() async throws {
        let world = World { $0.passwordResetTokenLifetime = .seconds(15 * 60) }
        try await world.createUser()
        let token = try await world.recoveryToken()
        #expect(try await world.onlyMail(AccountMessage.resetPassword, to: Fixture.email).values["expires_in"] == "15 minutes")
        world.clock.advance(by: 15 * 60)
        await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase") }
    }

    @Test(
        "A weak new password is WeakPassword and the token is not spent",
        arguments: ["short", "", "password", "Password1", " qwertyuiop ", "12345678"]
    )
    func weakPasswordKeepsTheToken(_ weak: String) async throws {
        let world = World()
        try await world.createUser()
        let login = try await world.signIn(FlowClient.office)
        let token = try await world.recoveryToken()
        await expectAccountError(.weakPassword) { try await world.accounts.recoverPassword(token: token, newPassword: weak) }
        // Nothing changed: the old password and the session still work, the token is unused.
        _ = try await world.signIn()
        #expect(await world.sessionOutcome(login.token, client: FlowClient.office) == nil)
        let record = try #require(try await world.store.tokens(accountID: login.accountID, kind: .passwordRecovery).first)
        #expect(record.usedAt == nil)
        try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase")
        _ = try await world.signIn(password: "a fresh passphrase")
    }

    @Test("A reset proves the address: an unverified one becomes verified, so a lost verification link locks nobody out")
    func resetVerifiesTheAddress() async throws {
        let world = World()
        let account = try await world.createUser()
        #expect(try await world.accounts.account(id: account.accountID)?.emailVerified == false)
        try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home)
        let token = try await world.onlyMail(AccountMessage.resetPassword, to: Fixture.email).token()
        try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase")
        #expect(try await world.accounts.account(id: account.accountID)?.emailVerified == true)
    }

    @Test("An unknown token, or a token of another kind, is InvalidToken and changes nothing")
    func unknownOrForeignToken() async throws {
        let world = World()
        let account = try await world.createUser()
        let verification = try await world.verificationToken(for: account.accountID)
        for token in ["", "nonsense", String(repeating: "A", count: 43), verification, String(repeating: "b", count: 2_000)] {
            await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: token, newPassword: "a fresh passphrase") }
        }
        _ = try await world.signIn()
        #expect(try await world.accounts.confirmEmail(token: verification).emailVerified, "the verification token was not spent")
    }

    @Test("A newer request replaces the earlier reset token")
    func newerRequestReplacesToken() async throws {
        let world = World()
        try await world.createUser()
        let first = try await world.recoveryToken()
        let second = try await world.recoveryToken()
        #expect(first != second)
        await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: first, newPassword: "a fresh passphrase") }
        try await world.accounts.recoverPassword(token: second, newPassword: "a fresh passphrase")
    }

    @Test("A reset spends every other outstanding reset token of the account")
    func resetSpendsOtherResetTokens() async throws {
        let world = World()
        let account = try await world.createUser()
        let issued = try await world.accounts.addResetPasswordToken(accountID: account.accountID)
        let mailed = try await world.recoveryToken()
        let later = try await world.accounts.addResetPasswordToken(accountID: account.accountID)
        try await world.accounts.recoverPassword(token: mailed, newPassword: "a fresh passphrase")
        for token in [issued.value, later.value] {
            await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: token, newPassword: "another passphrase") }
        }
        _ = try await world.signIn(password: "a fresh passphrase")
    }

    @Test("changePassword spends the outstanding reset link")
    func passwordChangeInvalidatesResetToken() async throws {
        let world = World()
        try await world.createUser()
        let token = try await world.recoveryToken()
        let login = try await world.signIn()
        try await world.accounts.changePassword(
            accountID: login.accountID,
            currentPassword: Fixture.password,
            newPassword: "a changed passphrase",
            keepingSession: login.sessionID,
            client: FlowClient.home
        )
        await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: token, newPassword: "an attacker's passphrase") }
        _ = try await world.signIn(password: "a changed passphrase")
    }

    @Test("A confirmed e-mail change spends the reset link sent to the old address")
    func emailChangeInvalidatesResetToken() async throws {
        let world = World()
        let account = try await world.createUser()
        let token = try await world.recoveryToken()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "new@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        let change = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "new@example.com").token()
        _ = try await world.accounts.confirmEmail(token: change)
        await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: token, newPassword: "an attacker's passphrase") }
        _ = try await world.signIn()
    }

    enum NewPasswordRoute: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case recovery
        case change

        var testDescription: String { rawValue }
    }

    /// Someone who learnt the password starts moving the account to an address they read; the owner,
    /// warned by the notice to the old address, sets a new password. The intruder's link should be
    /// dead then, as their sessions are.
    @Test("A new password cancels a pending e-mail change started with the old one", arguments: NewPasswordRoute.allCases)
    func newPasswordCancelsPendingEmailChange(_ route: NewPasswordRoute) async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "intruder@example.com",
            password: Fixture.password,
            client: FlowClient.office
        )
        let change = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "intruder@example.com").token()
        #expect(try await world.outbox(kind: AccountMessage.emailChangeRequested, to: Fixture.email).count == 1, "the owner is told")

        switch route {
        case .recovery:
            try await world.accounts.recoverPassword(token: try await world.recoveryToken(), newPassword: "the owner's new passphrase")
        case .change:
            let owner = try await world.signIn(FlowClient.home)
            try await world.accounts.changePassword(
                accountID: account.accountID,
                currentPassword: Fixture.password,
                newPassword: "the owner's new passphrase",
                keepingSession: owner.sessionID,
                client: FlowClient.home
            )
        }

        var outcome: AccountError.Code?
        do {
            _ = try await world.accounts.confirmEmail(token: change)
        } catch let error as AccountError {
            outcome = error.code
        }
        let email = try await world.accounts.account(id: account.accountID)?.email
        #expect(outcome == .invalidToken)
        #expect(email == Fixture.email)
    }

    @Test("After an e-mail change, recovery answers for the new address and not the old one")
    func recoveryFollowsTheAddress() async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "new@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        _ = try await world.accounts.confirmEmail(token: try await world.onlyMail(AccountMessage.confirmEmailChange, to: "new@example.com").token())
        try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home)
        #expect(try await world.outbox(kind: AccountMessage.resetPassword).isEmpty)
        try await world.accounts.requestPasswordRecovery(email: "new@example.com", client: FlowClient.home)
        #expect(try await world.outbox(kind: AccountMessage.resetPassword).map(\.recipient) == ["new@example.com"])
    }
}
