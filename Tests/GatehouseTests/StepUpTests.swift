import Gatehouse
import GatehouseTesting
import Testing

/// Step-up in the core: a session remembers when and how its holder last proved who they are, a
/// sensitive action asks for that to be recent, and a reauthentication renews it in place.
@Suite("Step-up authentication")
struct StepUpTests {
    static let client = ConnectionInfo(ip: "192.0.2.10", userAgent: "StepUpTests/1")
    static let password = "correct horse battery"

    struct World {
        let clock = ManualWallClock()
        let store: MemoryStore
        let accounts: Accounts

        init(window: Duration = .seconds(600)) {
            store = MemoryStore(clock: clock)
            var sessions = SessionsOptions(getTokenSecret: { _ in "a secret of at least thirty-two bytes, for tests" })
            sessions.clock = clock
            var options = AccountsOptions(sessions: sessions)
            options.passwordHasher = ScryptPasswordHasher(logN: 4)
            options.reauthenticationWindow = window
            accounts = Accounts(store: store, options: options)
        }

        func logIn() async throws -> Authentication {
            _ = try await accounts.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: StepUpTests.password))
            return try await accounts.logIn(username: "ada", password: StepUpTests.password, client: StepUpTests.client)
        }
    }

    @Test("A login's session is authenticated at its creation, by password")
    func loginRecordsPassword() async throws {
        let world = World()
        let login = try await world.logIn()
        #expect(login.session.authenticatedAt == login.session.createdAt)
        #expect(login.session.authenticationMethods == [.password])
        let stored = try #require(try await world.store.session(id: login.session.id))
        #expect(stored.authenticationMethods == [.password])
    }

    @Test("Recent enough up to the window's end, and not a second after", arguments: [599, 600, 601])
    func window(seconds: Int) async throws {
        let world = World()
        let login = try await world.logIn()
        world.clock.advance(by: .seconds(seconds))
        if seconds <= 600 {
            try world.accounts.requireRecentAuthentication(login.session)
        } else {
            #expect(throws: AccountError.reauthenticationRequired) { try world.accounts.requireRecentAuthentication(login.session) }
        }
    }

    @Test("The window is configurable")
    func configurableWindow() async throws {
        let world = World(window: .seconds(30))
        let login = try await world.logIn()
        world.clock.advance(by: .seconds(31))
        #expect(throws: AccountError.reauthenticationRequired) { try world.accounts.requireRecentAuthentication(login.session) }
    }

    @Test("Reauthenticating renews the time in place: same session, same token, stored")
    func reauthenticate() async throws {
        let world = World()
        let login = try await world.logIn()
        world.clock.advance(by: .seconds(700))
        let renewed = try await world.accounts.reauthenticate(session: login.session, password: Self.password, client: Self.client)
        #expect(renewed.id == login.session.id)
        #expect(renewed.authenticatedAt == world.clock.now())
        try world.accounts.requireRecentAuthentication(renewed)
        let stored = try #require(try await world.store.session(id: login.session.id))
        #expect(stored.authenticatedAt == world.clock.now())
        // The token from the login still authenticates, and carries the new time.
        let again = try #require(try await world.accounts.sessions.authenticate(token: login.token, client: Self.client))
        #expect(again.session.authenticatedAt == world.clock.now())
    }

    @Test("A wrong password is LoginFailed and renews nothing")
    func wrongPassword() async throws {
        let world = World()
        let login = try await world.logIn()
        world.clock.advance(by: .seconds(3_600))
        await #expect(throws: AccountError.loginFailed) {
            _ = try await world.accounts.reauthenticate(session: login.session, password: "wrong horse battery", client: Self.client)
        }
        let stored = try #require(try await world.store.session(id: login.session.id))
        #expect(stored.authenticatedAt == login.session.createdAt)
    }

    @Test("An ended session cannot be reauthenticated")
    func endedSession() async throws {
        let world = World()
        let login = try await world.logIn()
        try await world.accounts.sessions.revokeSessions(.session(id: login.session.id, accountID: login.account.accountID), reason: .logout)
        await #expect(throws: AccountError(.invalidSession)) {
            _ = try await world.accounts.reauthenticate(session: login.session, password: Self.password, client: Self.client)
        }
    }
}
