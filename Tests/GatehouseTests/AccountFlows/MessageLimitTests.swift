import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// The limits on requests that send a message (`messageLimitPerEmail`, `messageLimitPerAddress`): a
/// victim's inbox is not flooded, and a client cannot send without bound.
@Suite("Account flows: message limits")
struct MessageLimitTests {
    /// The requests that send a message, each asked for the fixture account.
    enum Purpose: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case recovery
        case verification
        case emailChange

        var testDescription: String { rawValue }

        /// The message a granted request queues.
        var kind: String {
            switch self {
            case .recovery: AccountMessage.resetPassword
            case .verification: AccountMessage.verifyEmail
            case .emailChange: AccountMessage.confirmEmailChange
            }
        }

        /// Makes the request for `account` from `client`.
        func request(_ world: World, account: Account, client: ConnectionInfo) async throws {
            switch self {
            case .recovery:
                try await world.accounts.requestPasswordRecovery(email: account.email, client: client)
            case .verification:
                try await world.accounts.requestEmailVerification(accountID: account.accountID, client: client)
            case .emailChange:
                try await world.accounts.requestEmailChange(
                    accountID: account.accountID,
                    to: "new@example.com",
                    password: Fixture.password,
                    client: client
                )
            }
        }
    }

    /// The outcome of one request: `nil` when granted, else the error's code and `retryAfter`.
    struct Refusal: Equatable, Sendable, CustomStringConvertible {
        var code: AccountError.Code
        var retryAfter: Int?

        var description: String { "\(code) retry after \(retryAfter.map(String.init) ?? "-")" }
    }

    static func outcome(_ body: () async throws -> Void) async -> Refusal? {
        do {
            try await body()
            return nil
        } catch let error as AccountError {
            return Refusal(code: error.code, retryAfter: error.retryAfter)
        } catch {
            Issue.record("unexpected error \(error)")
            return Refusal(code: .invalidConfiguration, retryAfter: nil)
        }
    }

    /// A world with only one of the two limits, so that each is tested on its own.
    static func world(perEmail: RateLimit?, perAddress: RateLimit?) -> World {
        World { options in
            options.messageLimitPerEmail = perEmail
            options.messageLimitPerAddress = perAddress
            options.loginThrottle = nil
        }
    }

    @Test("The defaults: 5 per e-mail address and 20 per client address, per hour")
    func defaults() {
        let options = World().accounts.options
        #expect(options.messageLimitPerEmail == RateLimit(count: 5, window: .seconds(3_600)))
        #expect(options.messageLimitPerAddress == RateLimit(count: 20, window: .seconds(3_600)))
    }

    @Test("Within the per-e-mail limit every request queues a message; beyond it TooManyAttempts, and nothing is queued", arguments: Purpose.allCases)
    func perEmailLimit(_ purpose: Purpose) async throws {
        let world = World()
        let account = try await world.createUser()
        // Each request from another client: only the limit per e-mail address applies.
        for index in 0..<5 {
            try await purpose.request(world, account: account, client: FlowClient.at("203.0.113.\(index + 1)"))
            world.clock.advance(by: 60)
        }
        #expect(try await world.outbox(kind: purpose.kind).count == 5)
        let refusal = await Self.outcome { try await purpose.request(world, account: account, client: FlowClient.at("203.0.113.99")) }
        // The window started with the first request, 5 minutes ago.
        #expect(refusal == Refusal(code: .tooManyAttempts, retryAfter: 3_600 - 300))
        #expect(try await world.outbox(kind: purpose.kind).count == 5)
    }

    @Test("The window resets: refused until it ends, granted from that instant", arguments: Purpose.allCases)
    func windowResets(_ purpose: Purpose) async throws {
        let world = Self.world(perEmail: RateLimit(count: 2, window: .seconds(600)), perAddress: nil)
        let account = try await world.createUser()
        for _ in 0..<2 { try await purpose.request(world, account: account, client: FlowClient.home) }
        world.clock.advance(by: 599)
        #expect(
            await Self.outcome { try await purpose.request(world, account: account, client: FlowClient.home) }
                == Refusal(code: .tooManyAttempts, retryAfter: 1)
        )
        world.clock.advance(by: 1)
        for _ in 0..<2 { try await purpose.request(world, account: account, client: FlowClient.home) }
        #expect(await Self.outcome { try await purpose.request(world, account: account, client: FlowClient.home) }?.code == .tooManyAttempts)
        #expect(try await world.outbox(kind: purpose.kind).count == 4)
    }

    @Test("Recovery over the limit answers the same for an address with an account and one without")
    func recoveryRefusalRevealsNothing() async throws {
        let world = World()
        try await world.createUser()
        var known: [Refusal?] = []
        var unknown: [Refusal?] = []
        for index in 0..<8 {
            let client = FlowClient.at("198.51.100.\(index + 1)")
            known.append(await Self.outcome { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: client) })
            unknown.append(await Self.outcome { try await world.accounts.requestPasswordRecovery(email: "nobody@example.com", client: client) })
            world.clock.advance(by: 10)
        }
        let granted: [Refusal?] = Array(repeating: nil, count: 5)
        #expect(Array(known.prefix(5)) == granted)
        #expect(known.dropFirst(5).allSatisfy { $0?.code == .tooManyAttempts })
        #expect(known == unknown)
        #expect(try await world.outbox().map(\.recipient) == Array(repeating: Fixture.email, count: 5))
    }

    @Test("Spellings of one address share its count")
    func addressSpellingsShareTheCount() async throws {
        let world = Self.world(perEmail: RateLimit(count: 3, window: .seconds(3_600)), perAddress: nil)
        try await world.createUser()
        for spelling in ["antonio@example.com", "ANTONIO@example.com", "Antonio@Example.COM"] {
            try await world.accounts.requestPasswordRecovery(email: spelling, client: FlowClient.home)
        }
        await expectAccountError(.tooManyAttempts) {
            try await world.accounts.requestPasswordRecovery(email: "antonio@EXAMPLE.com", client: FlowClient.home)
        }
        #expect(try await world.outbox().count == 3)
    }

    @Test("The per-e-mail count of one purpose does not hold back the other")
    func purposesCountApart() async throws {
        let world = Self.world(perEmail: RateLimit(count: 1, window: .seconds(3_600)), perAddress: nil)
        let account = try await world.createUser()
        try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home)
        await expectAccountError(.tooManyAttempts) { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home) }
        try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        await expectAccountError(.tooManyAttempts) {
            try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        }
        #expect(try await world.outbox().map(\.kind).sorted() == [AccountMessage.resetPassword, AccountMessage.verifyEmail])
    }

    @Test("An e-mail change counts against the new address's verification limit")
    func emailChangeCountsAgainstTheNewAddress() async throws {
        let world = Self.world(perEmail: RateLimit(count: 1, window: .seconds(3_600)), perAddress: nil)
        let account = try await world.createUser()
        let victim = try await world.createUser("victim", email: "victim@example.com")
        try await world.accounts.requestEmailVerification(accountID: victim.accountID, client: FlowClient.office)
        await expectAccountError(.tooManyAttempts) {
            try await world.accounts.requestEmailChange(
                accountID: account.accountID,
                to: "victim@example.com",
                password: Fixture.password,
                client: FlowClient.home
            )
        }
        try await world.accounts.requestEmailChange(
            accountID: account.accountID,
            to: "other@example.com",
            password: Fixture.password,
            client: FlowClient.home
        )
        await expectAccountError(.tooManyAttempts) {
            try await world.accounts.requestEmailChange(
                accountID: account.accountID,
                to: "other@example.com",
                password: Fixture.password,
                client: FlowClient.home
            )
        }
        #expect(try await world.outbox(to: "victim@example.com").count == 1)
        #expect(try await world.outbox(to: "other@example.com").count == 1)
    }

    @Test("The per-client limit holds across addresses, known or not; another client is not held back")
    func perAddressLimit() async throws {
        let world = World()
        try await world.createUser()
        let client = FlowClient.at("192.0.2.10")
        for index in 0..<20 {
            try await world.accounts.requestPasswordRecovery(email: "stranger\(index)@example.com", client: client)
        }
        for email in [Fixture.email, "someone.new@example.com"] {
            let refusal = await Self.outcome { try await world.accounts.requestPasswordRecovery(email: email, client: client) }
            #expect(refusal == Refusal(code: .tooManyAttempts, retryAfter: 3_600))
        }
        #expect(try await world.outbox().isEmpty)
        try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.at("192.0.2.11"))
        #expect(try await world.outbox().count == 1)
        world.clock.advance(by: 3_600)
        try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: client)
        #expect(try await world.outbox().count == 2)
    }

    @Test(
        "Clients count by IPv4 address and by IPv6 /64 network",
        arguments: [
            ("192.0.2.1", "192.0.2.1", true), ("192.0.2.1", "192.0.2.2", false), ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true),
            ("2001:db8:1:2::1", "2001:db8:1:3::1", false), ("::ffff:192.0.2.1", "192.0.2.1", true),
        ]
    )
    func clientsByNetwork(_ clients: (first: String, second: String, shared: Bool)) async throws {
        let (first, second, shared) = clients
        let world = Self.world(perEmail: nil, perAddress: RateLimit(count: 2, window: .seconds(3_600)))
        try await world.createUser()
        for _ in 0..<2 { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.at(first)) }
        let refusal = await Self.outcome { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.at(second)) }
        #expect(refusal?.code == (shared ? .tooManyAttempts : nil))
        #expect(try await world.outbox().count == (shared ? 2 : 3))
    }

    @Test("A refused request is not counted: after the window exactly the limit is granted again")
    func refusalsAreNotCounted() async throws {
        let world = Self.world(perEmail: RateLimit(count: 2, window: .seconds(60)), perAddress: nil)
        try await world.createUser()
        for _ in 0..<10 { _ = await Self.outcome { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home) } }
        #expect(try await world.outbox().count == 2)
        world.clock.advance(by: 60)
        let outcomes = await [
            Self.outcome { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home) },
            Self.outcome { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home) },
            Self.outcome { try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home) },
        ]
        #expect(outcomes.map { $0?.code } == [nil, nil, .tooManyAttempts])
    }

    @Test("Without limits, requests are not counted")
    func noLimits() async throws {
        let world = Self.world(perEmail: nil, perAddress: nil)
        let account = try await world.createUser()
        for _ in 0..<30 {
            try await world.accounts.requestPasswordRecovery(email: Fixture.email, client: FlowClient.home)
            try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        }
        #expect(try await world.outbox().count == 60)
    }

    @Test("A verification queued at sign-up is not counted against the limits")
    func signUpVerificationIsNotCounted() async throws {
        let world = World { options in
            options.sendsVerificationOnSignUp = true
            options.messageLimitPerEmail = RateLimit(count: 1, window: .seconds(3_600))
        }
        let account = try await world.accounts.signUp(
            CreateAccountInput(username: Fixture.username, email: Fixture.email, password: Fixture.password),
            client: FlowClient.home
        )
        try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        await expectAccountError(.tooManyAttempts) {
            try await world.accounts.requestEmailVerification(accountID: account.accountID, client: FlowClient.home)
        }
        #expect(try await world.outbox(kind: AccountMessage.verifyEmail).count == 2)
    }
}
