import Foundation
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Accounts (spec §7.1)")
struct AccountsTests {
    /// Scenario 1: one account, its primary e-mail as an unverified contact, its password hash stored
    /// apart, the original's permission.
    @Test func createAccount() async throws {
        let world = World()
        let account = try await world.createUser()
        #expect(Identifiers.isULID(account.accountID))
        #expect(account.username == Fixture.username)
        #expect(account.email == Fixture.email)
        #expect(account.emailVerified == false)
        #expect(account.deactivated == false)
        #expect(account.permissions == ["admin_profile:\(account.accountID)"])
        let contacts = try await world.store.contacts(accountID: account.accountID)
        #expect(contacts.map(\.value) == [Fixture.email])
        let hash = try #require(try await world.store.passwordHash(accountID: account.accountID))
        #expect(hash.count == 128)
    }

    /// Scenarios 2, 3 and 15 (inverted: usernames are case-insensitive): every clash is a Conflict and
    /// leaves nothing behind.
    @Test(arguments: [
        (Fixture.username, "antonio2222@example.com"),
        ("rafaelameira", Fixture.email),
        ("AntonioPresto", "rafaela@example.com"),
        (Fixture.username, Fixture.email),
        ("someone", "ANTONIO@example.com"),
    ])
    func uniqueness(_ clash: (String, String)) async throws {
        let world = World()
        try await world.createUser()
        await expectAccountError(.conflict) {
            _ = try await world.accounts.createAccount(CreateAccountInput(username: clash.0, email: clash.1, password: Fixture.password))
        }
        #expect(try await world.store.accounts(limit: 10, offset: 0).count == 1)
    }

    @Test func concurrentSignupsWithOneUsernameCreateOneAccount() async throws {
        let world = World()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    (try? await world.accounts.createAccount(
                        CreateAccountInput(username: "same", email: "u\(index)@example.com", password: Fixture.password)
                    )) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
    }

    /// Scenario 13, inverted: the input type has exactly the four accepted fields, so nothing else —
    /// an id, permissions, a creator — can be assigned from outside.
    @Test func noMassAssignment() async throws {
        let labels = Mirror(reflecting: CreateAccountInput(username: "u", email: "e", password: "p")).children.compactMap(\.label)
        #expect(labels == ["username", "email", "password", "extraContacts"])
        let account = try await World().createUser()
        #expect(Identifiers.isULID(account.accountID))
        #expect(account.permissions == ["admin_profile:\(account.accountID)"])
    }

    /// Scenario 15, inverted: a username differing only in case is the same account, for login too.
    @Test func usernamesAreCaseInsensitive() async throws {
        let world = World()
        try await world.createUser()
        let result = try await world.accounts.userByPasswordLogin(username: "AntonioPresto", password: Fixture.password, request: Fixture.request())
        #expect(result.account.username == Fixture.username)
        #expect(try await world.accounts.findUser(username: "ANTONIOPRESTO")?.accountID == result.account.accountID)
    }

    /// Scenarios 5 and 6.
    @Test func verifyEmail() async throws {
        let world = World()
        let account = try await world.createUser()
        #expect(try await world.accounts.verifyEmail(accountID: account.accountID, email: Fixture.email).verified)
        #expect(try await world.accounts.verifyEmail(accountID: account.accountID, email: "ANTONIO@EXAMPLE.COM").verified)
        await expectAccountError(.userNotFound) {
            _ = try await world.accounts.verifyEmail(accountID: account.accountID, email: "other@example.com")
        }
        #expect(try await world.accounts.findUser(accountID: account.accountID)?.emailVerified == true)
    }

    /// Scenario 7, plus what the original lacked: the token is stored hashed, used once, and expires.
    @Test func emailVerificationToken() async throws {
        let world = World()
        let account = try await world.createUser()
        let issued = try await world.accounts.addEmailVerificationToken(accountID: account.accountID, email: Fixture.email)
        // 256 random bits, base64url without padding.
        #expect(issued.value.count == 43 && Base64URL.decode(Array(issued.value.utf8))?.count == 32)
        #expect(issued.record.createdFor == Fixture.email)
        #expect(issued.record.kind == .emailVerification)
        #expect(issued.record.hash == SecretDigest.sha256(issued.value))
        let contact = try await world.accounts.consumeEmailVerificationToken(issued.value)
        #expect(contact.verified && contact.value == Fixture.email)
        await expectAccountError(.invalidToken) { _ = try await world.accounts.consumeEmailVerificationToken(issued.value) }

        let late = try await world.accounts.addEmailVerificationToken(accountID: account.accountID, email: Fixture.email)
        world.clock.advance(by: 2 * 86_400 + 1)
        await expectAccountError(.invalidToken) { _ = try await world.accounts.consumeEmailVerificationToken(late.value) }
        await expectAccountError(.userNotFound) {
            _ = try await world.accounts.addEmailVerificationToken(accountID: account.accountID, email: "other@example.com")
        }
    }

    /// Scenario 8, inverted: a reset token needs an existing account.
    @Test func resetTokenNeedsAnAccount() async throws {
        let world = World()
        await expectAccountError(.userNotFound) { _ = try await world.accounts.addResetPasswordToken(accountID: "1234") }
        let account = try await world.createUser()
        let issued = try await world.accounts.addResetPasswordToken(accountID: account.accountID, reason: "forgot")
        #expect(issued.record.createdFor == account.accountID)
        #expect(issued.record.kind == .passwordRecovery)
        #expect(issued.value.count >= 40)
    }

    /// Scenarios 9 and 10.
    @Test func removeAllResetPasswordTokens() async throws {
        let world = World()
        let a = try await world.createUser()
        let b = try await world.createUser("other", email: "other@example.com")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await world.accounts.addResetPasswordToken(accountID: a.accountID) } }
            try await group.waitForAll()
        }
        _ = try await world.accounts.addResetPasswordToken(accountID: b.accountID)
        #expect(try await world.accounts.removeAllResetPasswordTokens(accountID: a.accountID) == 4)
        #expect(try await world.store.tokens(accountID: b.accountID, kind: .passwordRecovery).count == 1)
        #expect(try await world.store.passwordHash(accountID: a.accountID) != nil)
    }

    @Test func resetPasswordConsumesTheTokenAndEndsSessions() async throws {
        let world = World()
        let (login, _) = try await world.login()
        let issued = try await world.accounts.addResetPasswordToken(accountID: login.account.accountID)
        try await world.accounts.resetPassword(token: issued.value, newPassword: "brand-new-pass")
        await expectAccountError(.invalidSession) { try await world.send(login.authToken) }
        await expectAccountError(.invalidToken) { try await world.accounts.resetPassword(token: issued.value, newPassword: "another-pass") }
        _ = try await world.accounts.userByPasswordLogin(username: Fixture.username, password: "brand-new-pass", request: Fixture.request())
    }

    /// Scenario 11.
    @Test func extraContactsAreCanonicalAndDeduplicated() async throws {
        let world = World()
        let account = try await world.accounts.createAccount(
            CreateAccountInput(
                username: Fixture.username,
                email: "Antonio@Example.COM",
                password: Fixture.password,
                extraContacts: [
                    .init(kind: .email, value: Fixture.email), .init(kind: .email, value: Fixture.email),
                    .init(kind: .phone, value: "+1 (555) 010-9999"),
                ]
            )
        )
        let contacts = try await world.store.contacts(accountID: account.accountID)
        #expect(contacts.map(\.kind) == [.email, .phone])
        #expect(contacts.map(\.value) == [Fixture.email, "+15550109999"])
        #expect(contacts.allSatisfy { !$0.verified })
    }

    /// Scenario 12, with the password policy: at most 200 UTF-16 code units (`InvalidRequest`), and a new
    /// password at least 8 characters (`WeakPassword`, where the original took 7); failures happen
    /// before any write.
    @Test(
        arguments: [
            (String(repeating: "a", count: 6), AccountError.Code.weakPassword), (String(repeating: "a", count: 7), .weakPassword),
            (String(repeating: "b", count: 8), nil), (String(repeating: "a", count: 200), nil), (String(repeating: "a", count: 201), .invalidRequest),
            (String(repeating: "😀", count: 100), nil), (String(repeating: "😀", count: 101), .invalidRequest),
        ] as [(String, AccountError.Code?)]
    )
    func passwordLength(_ testCase: (String, AccountError.Code?)) async throws {
        let world = World()
        let attempt = {
            try await world.accounts.createAccount(CreateAccountInput(username: "someone", email: "s@example.com", password: testCase.0))
        }
        if let code = testCase.1 {
            await expectAccountError(code) { _ = try await attempt() }
            #expect(try await world.store.accounts(limit: 10, offset: 0).isEmpty)
        } else {
            _ = try await attempt()
        }
    }

    /// Scenario 14, inverted: the username rule of the original's unused validator is enforced.
    @Test(arguments: [
        ("ab", false), ("abc", true), ("Admin!", false), ("a b", false), ("Admin", true),
        (String(repeating: "a", count: 16), true), (String(repeating: "a", count: 17), false),
        ("user\u{0}x", false), ("usеr", false), ("ünïcode", false), ("a⋮b", false), (String(repeating: "x", count: 10_000), false),
    ])
    func usernameRule(_ testCase: (String, Bool)) async throws {
        let world = World()
        let attempt = {
            try await world.accounts.createAccount(CreateAccountInput(username: testCase.0, email: "s@example.com", password: Fixture.password))
        }
        if testCase.1 {
            #expect(try await attempt().username == testCase.0.lowercased())
        } else {
            await expectAccountError(.invalidRequest) { _ = try await attempt() }
        }
    }

    @Test(arguments: [
        "plain", "a@b", "a@b.c", "a b@example.com", "a@exa mple.com", "a\u{7}@example.com", "@example.com",
        "a..b@example.com", String(repeating: "a", count: 250) + "@example.com",
    ])
    func invalidEmails(_ email: String) async throws {
        let world = World()
        await expectAccountError(.invalidRequest) {
            _ = try await world.accounts.createAccount(CreateAccountInput(username: "someone", email: email, password: Fixture.password))
        }
    }

    @Test func deactivationEndsSessionsAndRefusesLogin() async throws {
        let world = World()
        let (login, _) = try await world.login()
        try await world.accounts.deactivateAccount(accountID: login.account.accountID)
        await expectAccountError(.invalidSession) { try await world.send(login.authToken) }
        await expectAccountError(.userDeactivated) { _ = try await world.login() }
        try await world.accounts.reactivateAccount(accountID: login.account.accountID)
        _ = try await world.login()
    }

    @Test func listingSessions() async throws {
        let world = World()
        let (first, _) = try await world.login()
        let (second, _) = try await world.login()
        let listed = try await world.accounts.sessions(ofAccount: first.account.accountID)
        #expect(listed.map(\.id) == [first.sessionDocument.id, second.sessionDocument.id])
        try await world.sessions.logout(authToken: second.authToken, request: try await world.send(second.authToken))
        #expect(try await world.accounts.sessions(ofAccount: first.account.accountID).map(\.id) == [first.sessionDocument.id])
        #expect(try await world.accounts.sessions(ofAccount: first.account.accountID, includeEnded: true).count == 2)
    }
}
