import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// What a signed-in account changes with its password: the password itself, the e-mail address, the
/// account's existence.
@Suite("Account flows: credential changes")
struct CredentialChangeTests {
    static let newPassword = "a changed passphrase"

    // MARK: changePassword

    struct PasswordChangeCase: Sendable, CustomTestStringConvertible {
        var name: String
        var current: String
        var new: String
        var expected: AccountError.Code

        var testDescription: String { "\(name): \(expected)" }
    }

    @Test(
        "A refused password change changes nothing",
        arguments: [
            PasswordChangeCase(name: "wrong current password", current: "not my passphrase", new: newPassword, expected: .loginFailed),
            PasswordChangeCase(name: "empty current password", current: "", new: newPassword, expected: .loginFailed),
            PasswordChangeCase(name: "weak new password (too short)", current: Fixture.password, new: "short", expected: .weakPassword),
            PasswordChangeCase(name: "weak new password (common)", current: Fixture.password, new: "Password1", expected: .weakPassword),
            PasswordChangeCase(name: "the current password is checked first", current: "not my passphrase", new: "short", expected: .loginFailed),
        ]
    )
    func refusedChange(_ testCase: PasswordChangeCase) async throws {
        let world = World()
        try await world.createUser()
        let caller = try await world.signIn(FlowClient.home)
        let other = try await world.signIn(FlowClient.office)
        await expectAccountError(testCase.expected) {
            try await world.accounts.changePassword(
                accountID: caller.accountID,
                currentPassword: testCase.current,
                newPassword: testCase.new,
                keepingSession: caller.sessionID,
                client: FlowClient.home
            )
        }
        #expect(await world.sessionOutcome(caller.token, client: FlowClient.home) == nil)
        #expect(await world.sessionOutcome(other.token, client: FlowClient.office) == nil)
        _ = try await world.signIn(FlowClient.phone)
    }

    @Test("Wrong current passwords are counted by the login throttle")
    func wrongCurrentPasswordIsThrottled() async throws {
        let world = World()
        try await world.createUser()
        let caller = try await world.signIn(FlowClient.home)
        let limit = try #require(world.accounts.loginThrottle?.limits.perPair.count)
        func change(current: String) async throws {
            try await world.accounts.changePassword(
                accountID: caller.accountID,
                currentPassword: current,
                newPassword: Self.newPassword,
                keepingSession: caller.sessionID,
                client: FlowClient.home
            )
        }
        for _ in 0..<limit {
            await expectAccountError(.loginFailed) { try await change(current: "a wrong guess here") }
        }
        await expectAccountError(.tooManyAttempts) { try await change(current: Fixture.password) }
        await expectAccountError(.tooManyAttempts) { _ = try await world.signIn(FlowClient.home) }
        // The pair limit is per address: the owner elsewhere is not locked out.
        _ = try await world.signIn(FlowClient.office)
    }

    @Test("A successful change ends every other session and keeps the caller's")
    func successEndsOtherSessions() async throws {
        let world = World()
        let account = try await world.createUser()
        let caller = try await world.signIn(FlowClient.home)
        let office = try await world.signIn(FlowClient.office)
        let phone = try await world.signIn(FlowClient.phone)

        try await world.accounts.changePassword(
            accountID: account.accountID,
            currentPassword: Fixture.password,
            newPassword: Self.newPassword,
            keepingSession: caller.sessionID,
            client: FlowClient.home
        )

        for (login, client) in [(office, FlowClient.office), (phone, FlowClient.phone)] {
            #expect(await world.sessionOutcome(login.token, client: client) == .invalidSession)
            #expect(try await world.storedSession(login.sessionID).revokedReason == .passwordChanged)
        }
        let renewed = try #require(try await world.sessions.authenticate(token: caller.token, client: FlowClient.home))
        #expect(renewed.sessionID == caller.sessionID)
        #expect(try await world.accounts.sessions(ofAccount: account.accountID).map(\.id) == [caller.sessionID])
        await expectAccountError(.loginFailed) { _ = try await world.signIn(FlowClient.office) }
        _ = try await world.signIn(FlowClient.office, password: Self.newPassword)
    }

    // MARK: requestEmailChange

    @Test("An e-mail change request sends a confirmation to the new address and a notice to the old one")
    func emailChangeMessages() async throws {
        let world = World()
        let account = try await world.createUser()
        let now = world.clock.now()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "New.Address@Example.com",
            password: Fixture.password,
            client: FlowClient.home
        )

        #expect(try await world.outbox().count == 2)
        let confirmation = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "new.address@example.com")
        #expect(Set(confirmation.values.keys) == ["username", "link", "new_email", "expires_in"])
        #expect(confirmation.values["new_email"] == "new.address@example.com")
        #expect(confirmation.values["username"] == Fixture.username)
        #expect(confirmation.values["expires_in"] == "48 hours")
        let token = try confirmation.token()
        #expect(confirmation.values["link"] == "http://127.0.0.1:8080/ui/verify?token=\(token)")
        #expect(confirmation.message.accountID == account.accountID)

        let notice = try await world.onlyMail(AccountMessage.emailChangeRequested, to: Fixture.email)
        #expect(notice.values == ["username": Fixture.username, "new_email": "new.address@example.com"], "the notice carries no link")
        #expect(notice.message.accountID == account.accountID)

        let record = try #require(try await world.store.tokens(accountID: account.accountID, kind: .emailChange).first)
        #expect(record.hash == storedDigest(of: token))
        #expect(record.createdFor == "new.address@example.com")
        #expect(record.expiresAt == now.addingTimeInterval(2 * 86_400))
        #expect(try await world.accounts.account(id: account.accountID)?.email == Fixture.email, "nothing changes before the link is used")
    }

    @Test("Confirming the change switches the address, verified, and frees the old one")
    func confirmingSwitchesTheAddress() async throws {
        let world = World()
        let account = try await world.createUser()
        let caller = try await world.signIn(FlowClient.home)
        let pendingVerification = try await world.verificationToken(for: account.accountID)
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "new@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        let token = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "new@example.com").token()

        let changed = try await world.accounts.confirmEmail(token: token)
        #expect(changed.accountID == account.accountID)
        #expect(changed.email == "new@example.com")
        #expect(changed.emailVerified)
        let contacts = try await world.store.contacts(accountID: account.accountID)
        #expect(contacts.map(\.value) == ["new@example.com"])
        #expect(contacts.allSatisfy { $0.verified && $0.isPrimary })
        #expect(try await world.store.account(email: Fixture.email) == nil)

        // Single use, and the link to the old address is dead.
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: token) }
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: pendingVerification) }
        for kind in OneTimeTokenRecord.Kind.allCases {
            #expect(try await world.store.tokens(accountID: account.accountID, kind: kind).isEmpty, "\(kind) tokens are gone")
        }
        // The session and the username stay; the old address can be taken by someone else.
        #expect(await world.sessionOutcome(caller.token, client: FlowClient.home) == nil)
        _ = try await world.signIn(FlowClient.office)
        let newcomer = try await world.createUser("newcomer", email: Fixture.email)
        #expect(newcomer.email == Fixture.email)
    }

    @Test("A newer change request replaces the earlier link")
    func newerChangeReplacesToken() async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "first@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        let first = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "first@example.com").token()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "second@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        let second = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "second@example.com").token()
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: first) }
        #expect(try await world.accounts.confirmEmail(token: second).email == "second@example.com")
    }

    @Test("The change link expires with the verification lifetime")
    func changeLinkExpires() async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "new@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        let token = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "new@example.com").token()
        world.clock.advance(by: world.accounts.options.emailVerificationTokenLifetime)
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: token) }
        #expect(try await world.accounts.account(id: account.accountID)?.email == Fixture.email)
    }

    @Test(
        "A change to a taken address, or to the current one, answers like success and sends nothing",
        arguments: ["taken@example.com", "TAKEN@example.com", Fixture.email, "Antonio@Example.com"]
    )
    func changeToTakenAddressIsSilent(_ address: String) async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.createUser("owner", email: "taken@example.com")
        try await world.accounts.requestEmailChange(accountID: account.accountID, to: address, password: Fixture.password, client: FlowClient.home)
        #expect(try await world.outbox().isEmpty)
        #expect(try await world.store.tokens(accountID: account.accountID, kind: .emailChange).isEmpty)
        #expect(try await world.accounts.account(id: account.accountID)?.email == Fixture.email)
    }

    @Test("An address taken between the request and the confirmation is a Conflict, and the account keeps its address")
    func addressTakenBeforeConfirmation() async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "new@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        let token = try await world.onlyMail(AccountMessage.confirmEmailChange, to: "new@example.com").token()
        let squatter = try await world.createUser("squatter", email: "new@example.com")
        await expectAccountError(.conflict) { _ = try await world.accounts.confirmEmail(token: token) }
        #expect(try await world.accounts.account(id: account.accountID)?.email == Fixture.email)
        #expect(try await world.store.account(email: "new@example.com")?.accountID == squatter.accountID)
    }

    @Test("An e-mail change with the wrong password is LoginFailed and sends nothing")
    func emailChangeWrongPassword() async throws {
        let world = World()
        let account = try await world.createUser()
        await expectAccountError(.loginFailed) {
            try await world.accounts.requestEmailChange(
                accountID: account.accountID,
                to: "new@example.com",
                password: "not my passphrase",
                client: FlowClient.home
            )
        }
        #expect(try await world.outbox().isEmpty)
    }

    @Test(
        "An e-mail change to something that is not an address is InvalidRequest",
        arguments: ["not an address", "", "a@b", "x@example.com\u{200B}"]
    )
    func emailChangeInvalidAddress(_ address: String) async throws {
        let world = World()
        let account = try await world.createUser()
        await expectAccountError(.invalidRequest) {
            try await world.accounts.requestEmailChange(
                accountID: account.accountID,
                to: address,
                password: Fixture.password,
                client: FlowClient.home
            )
        }
        #expect(try await world.outbox().isEmpty)
    }

    // MARK: deleteAccount

    @Test("Deleting with the wrong password is LoginFailed and keeps everything")
    func deleteWrongPassword() async throws {
        let world = World()
        let account = try await world.createUser()
        let caller = try await world.signIn(FlowClient.home)
        await expectAccountError(.loginFailed) {
            try await world.accounts.deleteAccount(accountID: account.accountID, password: "not my passphrase", client: FlowClient.home)
        }
        #expect(try await world.accounts.account(id: account.accountID) != nil)
        #expect(await world.sessionOutcome(caller.token, client: FlowClient.home) == nil)
    }

    @Test("Deleting ends every session, removes the account with its tokens and queued messages, and frees its names")
    func deleteRemovesEverything() async throws {
        let world = World()
        let account = try await world.createUser()
        let bystander = try await world.createUser("bystander", email: "bystander@example.com")
        let home = try await world.signIn(FlowClient.home)
        let office = try await world.signIn(FlowClient.office)
        _ = try await world.verificationToken(for: account.accountID)
        _ = try await world.verificationToken(for: bystander.accountID)
        let reset = try await world.recoveryToken()

        try await world.accounts.deleteAccount(accountID: account.accountID, password: Fixture.password, client: FlowClient.home)

        #expect(try await world.accounts.account(id: account.accountID) == nil)
        #expect(try await world.accounts.account(username: Fixture.username) == nil)
        #expect(try await world.store.account(email: Fixture.email) == nil)
        #expect(try await world.store.sessions(accountID: account.accountID, includeInvalid: true).isEmpty)
        #expect(await world.sessionOutcome(home.token, client: FlowClient.home) == .sessionNotFound)
        #expect(await world.sessionOutcome(office.token, client: FlowClient.office) == .sessionNotFound)
        for kind in OneTimeTokenRecord.Kind.allCases {
            #expect(try await world.store.tokens(accountID: account.accountID, kind: kind).isEmpty)
        }
        await expectAccountError(.invalidToken) { try await world.accounts.recoverPassword(token: reset, newPassword: "a fresh passphrase") }
        #expect(try await world.outbox().map(\.message.accountID) == [bystander.accountID], "only the bystander's message is left")
        await expectAccountError(.loginFailed) { _ = try await world.signIn() }

        // The username and the address can be taken again, by a new account.
        let again = try await world.accounts.signUp(
            CreateAccountInput(username: Fixture.username, email: Fixture.email, password: "someone else's passphrase"),
            client: FlowClient.phone
        )
        #expect(again.accountID != account.accountID)
        #expect(await world.sessionOutcome(home.token, client: FlowClient.home) == .sessionNotFound, "an old token does not open the new account")
        _ = try await world.signIn(FlowClient.phone, password: "someone else's passphrase")
    }

    @Test("Deleting forgets the failed logins against the username: its next owner is not throttled")
    func deleteClearsTheLoginThrottle() async throws {
        let world = World()
        let account = try await world.createUser()
        let limit = try #require(world.accounts.loginThrottle?.limits.perPair.count)
        for _ in 0..<limit {
            await expectAccountError(.loginFailed) { _ = try await world.signIn(FlowClient.office, password: "a wrong guess here") }
        }
        await expectAccountError(.tooManyAttempts) { _ = try await world.signIn(FlowClient.office) }
        try await world.accounts.deleteAccount(accountID: account.accountID, password: Fixture.password, client: FlowClient.home)
        try await world.createUser()
        _ = try await world.signIn(FlowClient.office)
    }

    @Test("Deleting an account that is gone is UserNotFound")
    func deleteTwice() async throws {
        let world = World()
        let account = try await world.createUser()
        try await world.accounts.deleteAccount(accountID: account.accountID, password: Fixture.password, client: FlowClient.home)
        await expectAccountError(.userNotFound) {
            try await world.accounts.deleteAccount(accountID: account.accountID, password: Fixture.password, client: FlowClient.home)
        }
    }
}
