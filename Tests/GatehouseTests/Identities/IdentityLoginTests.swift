import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// Logins with an identity provider's verified answer, and the identities linked to accounts: the
/// account a new identity creates, the one it must not take over, and the limits and events that cover
/// these logins like password logins.
@Suite("Identity logins")
struct IdentityLoginTests {
    static let issuer = "https://id.example.com"

    static func identity(
        _ subject: String = "248289761001",
        email: String? = "jane.doe@example.com",
        verified: Bool = true,
        preferredUsername: String? = nil,
        name: String? = "Jane Doe"
    ) -> ProviderIdentity {
        ProviderIdentity(
            provider: "example",
            issuer: issuer,
            subject: subject,
            email: email,
            emailVerified: verified,
            preferredUsername: preferredUsername,
            name: name
        )
    }

    func logIn(_ world: World, _ identity: ProviderIdentity, client: ConnectionInfo = FlowClient.home) async throws -> Authentication {
        try await world.accounts.logIn(provider: identity.provider, client: client) { identity }
    }

    @Test("A new identity with a verified address creates an account without a password, the address verified")
    func firstLoginCreatesAccount() async throws {
        let world = World()
        let login = try await logIn(world, Self.identity())
        #expect(login.account.username == "jane_doe")
        #expect(login.account.email == "jane.doe@example.com")
        let record = try #require(try await world.store.account(id: login.accountID))
        #expect(record.emailVerified)
        #expect(try await world.store.passwordHash(accountID: login.accountID) == nil)
        let linked = try await world.accounts.identities(ofAccount: login.accountID)
        #expect(linked.map(\.subject) == ["248289761001"] && linked.first?.issuer == Self.issuer && linked.first?.provider == "example")

        let again = try await logIn(world, Self.identity(email: "changed@example.com"))
        #expect(again.accountID == login.accountID && again.sessionID != login.sessionID)
        #expect(try await world.store.accounts(limit: 10, offset: 0).count == 1)
    }

    @Test("A password login to an account created by a provider fails like a wrong password")
    func noPasswordToGuess() async throws {
        let world = World()
        let login = try await logIn(world, Self.identity())
        await expectAccountError(.loginFailed) {
            _ = try await world.accounts.logIn(username: login.account.username, password: "", client: FlowClient.home)
        }
        await expectAccountError(.loginFailed) {
            _ = try await world.accounts.logIn(username: login.account.username, password: "anything at all", client: FlowClient.home)
        }
    }

    @Test("An address that belongs to an account is never linked silently, and nothing is written")
    func existingAddressIsNotTaken() async throws {
        let world = World()
        let account = try await world.createUser(email: "jane.doe@example.com")
        await expectAccountError(.identityNotLinked) { _ = try await logIn(world, Self.identity()) }
        #expect(try await world.accounts.identities(ofAccount: account.accountID).isEmpty)
        #expect(try await world.store.accounts(limit: 10, offset: 0).count == 1)
        #expect(try await world.store.identity(issuer: Self.issuer, subject: "248289761001") == nil)
    }

    @Test(
        "A new identity without a verified address is refused, and nothing is written",
        arguments: [(String?, Bool)?.none, .some((nil, true)), .some(("not an address", true)), .some(("jane.doe@example.com", false))]
    )
    func unverifiedAddress(_ email: (String?, Bool)?) async throws {
        let world = World()
        let identity = Self.identity(email: email?.0, verified: email?.1 ?? false)
        do {
            _ = try await logIn(world, identity)
            Issue.record("a login without a verified address was accepted")
        } catch let error as AccountError {
            #expect(error.code == .emailNotVerified && error.detail == .providerEmail)
        }
        #expect(try await world.store.accounts(limit: 10, offset: 0).isEmpty)
    }

    @Test("Usernames are derived from what the provider says, folded to the rules and made unique")
    func usernames() async throws {
        let world = World()
        try await world.createUser("jane_doe", email: "someone@example.com")
        let first = try await logIn(world, Self.identity("1", email: "a@example.com", preferredUsername: "Jane.Doe"))
        let second = try await logIn(world, Self.identity("2", email: "b@example.com", preferredUsername: "JANE DOE!"))
        let third = try await logIn(world, Self.identity("3", email: "xy@example.com", preferredUsername: nil, name: "Ω"))
        let fourth = try await logIn(world, Self.identity("4", email: "mary.smith@example.com", preferredUsername: "é", name: nil))
        let names = [first, second, third, fourth].map(\.account.username)
        #expect(Set(names).count == 4 && !names.contains("jane_doe"))
        #expect(names[0].hasPrefix("jane_doe") && names[1].hasPrefix("jane_doe"))
        #expect(names[2].hasPrefix("user"))
        #expect(names[3] == "mary_smith")
        for name in names { #expect(throws: Never.self) { try AccountValidation.canonicalUsername(name) } }
    }

    @Test("A deactivated account is refused, and the refusal is a failed login")
    func deactivated() async throws {
        let world = World()
        let login = try await logIn(world, Self.identity())
        try await world.accounts.deactivateAccount(accountID: login.accountID)
        await expectAccountError(.userDeactivated) { _ = try await logIn(world, Self.identity()) }
        let latest = try #require(try await world.allEvents().first)
        #expect(latest.kind == .loginFailed && latest.accountID == login.accountID && latest.details["reason"] == "UserDeactivated")
    }

    @Test("Events: the account's creation, the link and the login, naming the provider")
    func events() async throws {
        let world = World()
        let login = try await logIn(world, Self.identity())
        let events = try await world.allEvents()
        #expect(events.map(\.kind) == [.loginSucceeded, .identityLinked, .accountCreated])
        #expect(events[0].details == ["method": "oidc", "provider": "example"] && events[0].sessionID == login.sessionID)
        #expect(events[1].details == ["provider": "example"] && events.allSatisfy { $0.accountID == login.accountID })
        #expect(events[0].clientAddress == FlowClient.home.ip)
    }

    @Test("A refused answer is a failed login saying why, and counts against the address's login limit")
    func refusalsAreCounted() async throws {
        let world = World { options in
            options.loginThrottle = LoginThrottle.Limits(perAddress: RateLimit(count: 2, window: .seconds(900)))
        }
        for _ in 0..<2 {
            await expectAccountError(.identityVerificationFailed) {
                _ = try await world.accounts.logIn(provider: "example", client: FlowClient.office) {
                    throw AccountError.identityVerificationFailed(.nonce)
                }
            }
        }
        let failure = try #require(try await world.allEvents().first)
        #expect(failure.kind == .loginFailed && failure.accountID == nil)
        #expect(failure.details == ["method": "oidc", "provider": "example", "reason": "nonce"])

        var verified = false
        await expectAccountError(.tooManyAttempts) {
            _ = try await world.accounts.logIn(provider: "example", client: FlowClient.office) {
                verified = true
                return Self.identity()
            }
        }
        #expect(!verified, "the throttle refuses before the answer is checked")
        #expect(try await world.allEvents().first?.kind == .loginThrottled)
        // Another address is not affected.
        _ = try await logIn(world, Self.identity(), client: FlowClient.home)
    }

    @Test("Linking: to the logged-in account, once; never an identity linked elsewhere")
    func linking() async throws {
        let world = World()
        let owner = try await world.createUser()
        let other = try await world.createUser("someone_else", email: "else@example.com")
        let linked = try await world.accounts.linkIdentity(Self.identity(), toAccount: owner.accountID)
        #expect(linked.accountID == owner.accountID && linked.email == "jane.doe@example.com")

        for account in [owner, other] {
            do {
                _ = try await world.accounts.linkIdentity(Self.identity(), toAccount: account.accountID)
                Issue.record("an identity was linked twice")
            } catch let error as AccountError {
                #expect(error.code == .conflict && error.detail == .identityTaken)
            }
        }
        let login = try await logIn(world, Self.identity())
        #expect(login.accountID == owner.accountID)
        #expect(try await world.allEvents().contains { $0.kind == .identityLinked && $0.accountID == owner.accountID })
    }

    @Test("Unlinking: refused when it is the last way to log in, unknown ids are not found")
    func unlinking() async throws {
        let world = World()
        let created = try await logIn(world, Self.identity())
        let only = try #require(try await world.accounts.identities(ofAccount: created.accountID).first)
        do {
            try await world.accounts.unlinkIdentity(id: only.id, fromAccount: created.accountID)
            Issue.record("the last way to log in was unlinked")
        } catch let error as AccountError {
            #expect(error.code == .conflict && error.detail == .lastWayToLogIn)
        }
        await expectAccountError(.identityNotFound) { try await world.accounts.unlinkIdentity(id: "01JUNKNOWN", fromAccount: created.accountID) }

        let owner = try await world.createUser()
        await expectAccountError(.identityNotFound) { try await world.accounts.unlinkIdentity(id: only.id, fromAccount: owner.accountID) }

        let second = try await world.accounts.linkIdentity(Self.identity("another-subject"), toAccount: created.accountID)
        try await world.accounts.unlinkIdentity(id: only.id, fromAccount: created.accountID)
        #expect(try await world.accounts.identities(ofAccount: created.accountID).map(\.id) == [second.id])
        #expect(try await world.allEvents().first?.kind == .identityUnlinked)

        // With a password, the last identity can go.
        let linked = try await world.accounts.linkIdentity(Self.identity("owner-subject"), toAccount: owner.accountID)
        try await world.accounts.unlinkIdentity(id: linked.id, fromAccount: owner.accountID)
        #expect(try await world.accounts.identities(ofAccount: owner.accountID).isEmpty)
    }
}
