import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// `requestEmailVerification` and `confirmEmail`: a link by e-mail, through the outbox, with a
/// single-use token that expires.
@Suite("Account flows: e-mail verification")
struct EmailVerificationTests {
    @Test("A request queues exactly one verify_email message to the account's address, with a link carrying the token")
    func requestQueuesOneMessage() async throws {
        let world = World()
        let account = try await world.createUser()
        let now = world.clock.now()
        try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)

        let everything = try await world.outbox()
        #expect(everything.count == 1)
        let mail = try await world.onlyMail(AccountMessage.verifyEmail, to: Fixture.email)
        #expect(mail.message.channel == .mail)
        #expect(mail.message.accountID == account.accountID)
        #expect(mail.message.status == .pending)
        #expect(mail.message.attempts == 0)
        #expect(mail.message.createdAt == now && mail.message.nextAttemptAt == now)
        #expect(Set(mail.values.keys) == ["username", "link", "expires_in"])
        #expect(mail.values["username"] == Fixture.username)
        #expect(mail.values["expires_in"] == "48 hours")
        let token = try mail.token()
        #expect(mail.values["link"] == "http://127.0.0.1:8080/ui/verify?token=\(token)")

        // 32 random bytes, base64url without padding; the store keeps only their digest.
        #expect(token.count == 43)
        #expect(base64URLDecoded(token)?.count == 32)
        let stored = try await world.store.tokens(accountID: account.accountID, kind: .emailVerification)
        #expect(stored.count == 1)
        let record = try #require(stored.first)
        #expect(record.hash == storedDigest(of: token))
        #expect(record.hash != Array(token.utf8))
        #expect(record.createdFor == Fixture.email)
        #expect(record.createdAt == now)
        #expect(record.expiresAt == now.addingTimeInterval(2 * 86_400))
        #expect(record.usedAt == nil)

        // A courier finds it due at once.
        let claimed = try await world.store.claimMessages(channel: .mail, limit: 10, leaseUntil: now.addingTimeInterval(60), at: now)
        #expect(claimed.map(\.id) == [mail.message.id])
        #expect(claimed.first?.payload == mail.message.payload)
    }

    @Test("The link follows the configured MessageLinks and the lifetime is spelled out")
    func configuredLinksAndLifetime() async throws {
        let world = World { options in
            options.links = MessageLinks(baseURL: "https://app.example.com/", verificationPath: "account/confirm?lang=en")
            options.emailVerificationTokenLifetime = .seconds(30 * 60)
        }
        let account = try await world.createUser()
        try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        let mail = try await world.onlyMail(AccountMessage.verifyEmail, to: Fixture.email)
        let token = try mail.token()
        #expect(mail.values["link"] == "https://app.example.com/account/confirm?lang=en&token=\(token)")
        #expect(mail.values["expires_in"] == "30 minutes")
        let record = try #require(try await world.store.tokens(accountID: account.accountID, kind: .emailVerification).first)
        #expect(record.expiresAt == world.clock.now().addingTimeInterval(30 * 60))
    }

    @Test(
        "The message spells the lifetime out: whole days beyond two, else hours, else minutes rounded up",
        arguments: [
            (Duration.seconds(3 * 86_400), "3 days"), (.seconds(2 * 86_400), "48 hours"), (.seconds(86_400), "24 hours"),
            (.seconds(3_600), "1 hour"), (.seconds(5_400), "90 minutes"), (.seconds(90), "2 minutes"), (.seconds(60), "1 minute"),
            (.seconds(30), "1 minute"),
        ]
    )
    func lifetimeSpelledOut(_ lifetime: Duration, _ spelled: String) async throws {
        let world = World { $0.emailVerificationTokenLifetime = lifetime }
        let account = try await world.createUser()
        try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        #expect(try await world.onlyMail(AccountMessage.verifyEmail, to: Fixture.email).values["expires_in"] == spelled)
    }

    @Test("Confirming with the token verifies the address and returns the account")
    func confirmVerifies() async throws {
        let world = World()
        let account = try await world.createUser()
        let token = try await world.verificationToken(for: account.accountID)
        world.clock.advance(by: 60)

        let confirmed = try await world.accounts.confirmEmail(token: token)
        #expect(confirmed.accountID == account.accountID)
        #expect(confirmed.email == Fixture.email)
        #expect(confirmed.emailVerified)
        #expect(try await world.accounts.account(id: account.accountID)?.emailVerified == true)
        let contacts = try await world.store.contacts(accountID: account.accountID)
        #expect(contacts.count == 1)
        #expect(contacts.first?.verified == true && contacts.first?.isPrimary == true)
        let record = try #require(try await world.store.tokens(accountID: account.accountID, kind: .emailVerification).first)
        #expect(record.usedAt == world.clock.now())
    }

    @Test("A token is single use: the second confirmation is InvalidToken")
    func singleUse() async throws {
        let world = World()
        let account = try await world.createUser()
        let token = try await world.verificationToken(for: account.accountID)
        _ = try await world.accounts.confirmEmail(token: token)
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: token) }
        #expect(try await world.accounts.account(id: account.accountID)?.emailVerified == true)
    }

    struct ExpiryCase: Sendable, CustomTestStringConvertible {
        /// The lifetime configured; `nil` for the default (48 hours).
        var lifetime: Duration?
        /// How far past the lifetime the clock is when the token is used (negative: before it ends).
        var pastLifetime: Double
        var accepted: Bool

        var testDescription: String {
            "\(lifetime.map { "\($0.components.seconds) s" } ?? "default") lifetime, \(pastLifetime) s past: \(accepted ? "accepted" : "InvalidToken")"
        }
    }

    @Test(
        "A token works until its lifetime ends, not at or after that instant",
        arguments: [
            ExpiryCase(lifetime: nil, pastLifetime: -1, accepted: true),
            ExpiryCase(lifetime: nil, pastLifetime: 0, accepted: false),
            ExpiryCase(lifetime: nil, pastLifetime: 1, accepted: false),
            ExpiryCase(lifetime: nil, pastLifetime: 30 * 86_400, accepted: false),
            ExpiryCase(lifetime: .seconds(600), pastLifetime: -1, accepted: true),
            ExpiryCase(lifetime: .seconds(600), pastLifetime: 0, accepted: false),
        ]
    )
    func expiry(_ testCase: ExpiryCase) async throws {
        let world = World { options in
            if let lifetime = testCase.lifetime { options.emailVerificationTokenLifetime = lifetime }
        }
        let account = try await world.createUser()
        let token = try await world.verificationToken(for: account.accountID)
        let lifetime = world.accounts.options.emailVerificationTokenLifetime
        world.clock.advance(by: lifetime)
        world.clock.advance(by: testCase.pastLifetime)
        if testCase.accepted {
            #expect(try await world.accounts.confirmEmail(token: token).emailVerified)
        } else {
            await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: token) }
            #expect(try await world.accounts.account(id: account.accountID)?.emailVerified == false)
        }
    }

    @Test(
        "An unknown token is InvalidToken and verifies nothing",
        arguments: [
            "", "not-a-token", String(repeating: "A", count: 43), String(repeating: "a", count: 1_000), String(repeating: "a", count: 1_001),
            "token with spaces and ünïcode",
        ]
    )
    func unknownToken(_ token: String) async throws {
        let world = World()
        let account = try await world.createUser()
        _ = try await world.verificationToken(for: account.accountID)
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: token) }
        #expect(try await world.accounts.account(id: account.accountID)?.emailVerified == false)
    }

    @Test("The stored digest is no token: presenting it is InvalidToken")
    func digestIsNotAToken() async throws {
        let world = World()
        let account = try await world.createUser()
        let token = try await world.verificationToken(for: account.accountID)
        let digest = Data(storedDigest(of: token)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: digest) }
        #expect(try await world.accounts.confirmEmail(token: token).emailVerified, "the real token is still unused")
    }

    @Test("A password reset token does not confirm an address, and is not spent by trying")
    func otherKindOfToken() async throws {
        let world = World()
        let account = try await world.createUser()
        let reset = try await world.recoveryToken()
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: reset) }
        #expect(try await world.accounts.account(id: account.accountID)?.emailVerified == false)
        #expect(try await world.accounts.recoverPassword(token: reset, newPassword: "a fresh passphrase") == account.accountID)
    }

    @Test("A new request replaces the earlier token: the older link stops working")
    func newerRequestReplacesToken() async throws {
        let world = World()
        let account = try await world.createUser()
        let first = try await world.verificationToken(for: account.accountID)
        let second = try await world.verificationToken(for: account.accountID)
        #expect(first != second)
        #expect(try await world.outbox(kind: AccountMessage.verifyEmail, to: Fixture.email).count == 2)
        #expect(try await world.store.tokens(accountID: account.accountID, kind: .emailVerification).map(\.hash) == [storedDigest(of: second)])
        await expectAccountError(.invalidToken) { _ = try await world.accounts.confirmEmail(token: first) }
        #expect(try await world.accounts.confirmEmail(token: second).emailVerified)
    }

    @Test("An account whose address is verified already gets no message and no token, and no error")
    func alreadyVerified() async throws {
        let world = World()
        let account = try await world.createUser()
        _ = try await world.accounts.verifyEmail(accountID: account.accountID, email: Fixture.email)
        try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        #expect(try await world.outbox().isEmpty)
        #expect(try await world.store.tokens(accountID: account.accountID, kind: .emailVerification).isEmpty)
    }

    @Test("A confirmed address needs no second message: asking again after confirming sends nothing")
    func requestAfterConfirming() async throws {
        let world = World()
        let account = try await world.createUser()
        let token = try await world.verificationToken(for: account.accountID)
        _ = try await world.accounts.confirmEmail(token: token)
        try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        #expect(try await world.outbox(kind: AccountMessage.verifyEmail).count == 1)
    }

    @Test("An unknown account id is UserNotFound, and nothing is queued")
    func unknownAccount() async throws {
        let world = World()
        try await world.createUser()
        await expectAccountError(.userNotFound) {
            try await world.accounts.requestEmailVerification(accountID: "01ARZ3NDEKTSV4RRFFQ69G5FAV", client: FlowClient.home)
        }
        #expect(try await world.outbox().isEmpty)
    }

    @Test("Sign-up queues the verification message only when sendsVerificationOnSignUp is set", arguments: [true, false])
    func signUpSendsVerification(_ sends: Bool) async throws {
        let world = World { $0.sendsVerificationOnSignUp = sends }
        let account = try await world.accounts.signUp(
            CreateAccountInput(username: Fixture.username, email: Fixture.email, password: Fixture.password),
            client: FlowClient.home
        )
        let mails = try await world.outbox(kind: AccountMessage.verifyEmail, to: Fixture.email)
        #expect(mails.count == (sends ? 1 : 0))
        #expect(try await world.outbox().count == mails.count)
        if sends {
            let confirmed = try await world.accounts.confirmEmail(token: try #require(mails.first).token())
            #expect(confirmed.accountID == account.accountID && confirmed.emailVerified)
        }
    }

    @Test("Verification gates login only with requiresVerifiedEmail, after the password is checked", arguments: [true, false])
    func requiresVerifiedEmail(_ required: Bool) async throws {
        let world = World { $0.requiresVerifiedEmail = required }
        let account = try await world.createUser()
        await expectAccountError(.loginFailed) { _ = try await world.signIn(password: "not the password at all") }
        if required {
            await expectAccountError(.emailNotVerified) { _ = try await world.signIn() }
            #expect(try await world.accounts.sessions(ofAccount: account.accountID).isEmpty)
        } else {
            _ = try await world.signIn()
        }
        _ = try await world.accounts.confirmEmail(token: try await world.verificationToken(for: account.accountID))
        #expect(try await world.signIn().accountID == account.accountID)
    }
}
