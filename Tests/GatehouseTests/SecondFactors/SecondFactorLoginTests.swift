import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// TOTP second factors in the core: enrolment, a login that waits for its code, single use of codes,
/// challenges and recovery codes, the throttle, and step-up with a second factor.
@Suite("Second factors: TOTP and recovery codes")
struct SecondFactorLoginTests {
    static let client = ConnectionInfo(ip: "192.0.2.20", userAgent: "SecondFactorTests/1")
    static let password = "correct horse battery"

    struct World {
        let clock = ManualWallClock()
        let store: MemoryStore
        let accounts: Accounts

        init(limits: LoginThrottle.Limits = LoginThrottle.Limits()) throws {
            store = MemoryStore(clock: clock)
            var sessions = SessionsOptions(getTokenSecret: { _ in "a secret of at least thirty-two bytes, for tests" })
            sessions.clock = clock
            var options = AccountsOptions(sessions: sessions)
            options.passwordHasher = ScryptPasswordHasher(logN: 4)
            options.loginThrottle = limits
            options.totpKeys = [try SealingKey(id: "k1", bytes: Array(repeating: 7, count: 32))]
            accounts = Accounts(store: store, options: options)
        }

        /// Ada, logged in, with TOTP turned on: her authenticator and recovery codes.
        func enrolled() async throws -> (totp: TOTP, recoveryCodes: [String], session: SessionDocument) {
            _ = try await accounts.createAccount(
                CreateAccountInput(username: "ada", email: "ada@example.com", password: SecondFactorLoginTests.password)
            )
            let login = try await accounts.logIn(username: "ada", password: SecondFactorLoginTests.password, client: SecondFactorLoginTests.client)
            let enrolment = try await accounts.beginTOTPEnrolment(session: login.session)
            let totp = TOTP(secret: try #require(Base32.decode(enrolment.secret)))
            let codes = try await accounts.confirmTOTP(session: login.session, code: totp.code(step: step), client: SecondFactorLoginTests.client)
            return (totp, codes, login.session)
        }

        var step: Int64 { TOTP.step(at: clock.now()) }

        /// A password login that must wait for its second factor: its challenge.
        func challenge() async throws -> String {
            let outcome = try await accounts.beginLogIn(
                username: "ada",
                password: SecondFactorLoginTests.password,
                client: SecondFactorLoginTests.client
            )
            guard case .secondFactorRequired(let challenge) = outcome else {
                Issue.record("the login did not wait for a second factor")
                return ""
            }
            #expect(challenge.methods == [.totp, .recoveryCode])
            #expect(challenge.expiresAt == clock.now().addingTimeInterval(300))
            return challenge.challenge
        }

        func complete(_ challenge: String, _ proof: SecondFactorProof) async throws -> Authentication {
            try await accounts.completeLogIn(challenge: challenge, proof: proof, client: SecondFactorLoginTests.client)
        }
    }

    @Test("Enrolment: the secret in base32, the otpauth URL, pending until a first code; ten recovery codes")
    func enrolment() async throws {
        let world = try World()
        _ = try await world.accounts.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: Self.password))
        let login = try await world.accounts.logIn(username: "ada", password: Self.password, client: Self.client)
        let enrolment = try await world.accounts.beginTOTPEnrolment(session: login.session)
        let secret = try #require(Base32.decode(enrolment.secret))
        #expect(secret.count == 20)
        #expect(enrolment.provisioningURL.hasPrefix("otpauth://totp/Gatehouse:ada?secret=\(enrolment.secret)&issuer=Gatehouse"))
        // Pending: a login still needs the password alone.
        #expect(try await world.accounts.hasSecondFactor(accountID: login.accountID) == false)
        let stored = try #require(try await world.store.totpFactor(accountID: login.accountID))
        #expect(stored.confirmedAt == nil)
        #expect(!Data(stored.sealedSecret).contains(Data(secret)), "the secret is sealed at rest")

        await #expect(throws: AccountError.invalidRequest(.totpCode)) {
            _ = try await world.accounts.confirmTOTP(session: login.session, code: "000000", client: Self.client)
        }
        let codes = try await world.accounts.confirmTOTP(
            session: login.session,
            code: TOTP(secret: secret).code(step: world.step),
            client: Self.client
        )
        #expect(codes.count == 10)
        #expect(try await world.accounts.hasSecondFactor(accountID: login.accountID))
        #expect(try await world.store.unusedRecoveryCodeCount(accountID: login.accountID) == 10)
        await #expect(throws: AccountError.conflict(.totpEnabled)) { _ = try await world.accounts.beginTOTPEnrolment(session: login.session) }
    }

    @Test("Enrolment needs a recent authentication")
    func enrolmentNeedsStepUp() async throws {
        let world = try World()
        _ = try await world.accounts.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: Self.password))
        let login = try await world.accounts.logIn(username: "ada", password: Self.password, client: Self.client)
        world.clock.advance(by: .seconds(601))
        await #expect(throws: AccountError.reauthenticationRequired) { _ = try await world.accounts.beginTOTPEnrolment(session: login.session) }
        await #expect(throws: AccountError.reauthenticationRequired) {
            try await world.accounts.disableTOTP(session: login.session, client: Self.client)
        }
    }

    @Test("A password login waits for the code; the code completes it, by password and TOTP")
    func loginWithCode() async throws {
        let world = try World()
        let (totp, _, _) = try await world.enrolled()
        await #expect(throws: AccountError.secondFactorRequired) {
            _ = try await world.accounts.logIn(username: "ada", password: Self.password, client: Self.client)
        }
        world.clock.advance(by: .seconds(30))
        let challenge = try await world.challenge()
        let login = try await world.complete(challenge, .code(totp.code(step: world.step)))
        #expect(login.session.authenticationMethods == [.password, .totp])
        #expect(try await world.accounts.sessions.authenticate(token: login.token, client: Self.client) != nil)
    }

    @Test("A code works once: a replay within its window is refused, the next step's code works")
    func replay() async throws {
        let world = try World()
        let (totp, _, _) = try await world.enrolled()
        world.clock.advance(by: .seconds(30))
        let code = totp.code(step: world.step)
        _ = try await world.complete(try await world.challenge(), .code(code))
        await #expect(throws: AccountError.secondFactorFailed(.totpCode)) { _ = try await world.complete(try await world.challenge(), .code(code)) }
        // The code of the step before is older than the one used: refused too.
        await #expect(throws: AccountError.secondFactorFailed(.totpCode)) {
            _ = try await world.complete(try await world.challenge(), .code(totp.code(step: world.step - 1)))
        }
        world.clock.advance(by: .seconds(30))
        _ = try await world.complete(try await world.challenge(), .code(totp.code(step: world.step)))
    }

    @Test("Clock drift of one step either way is accepted, two is not", arguments: [-2, -1, 1, 2])
    func drift(offset: Int64) async throws {
        let world = try World()
        let (totp, _, _) = try await world.enrolled()
        world.clock.advance(by: .seconds(300))
        let challenge = try await world.challenge()
        let code = totp.code(step: world.step + offset)
        if abs(offset) <= 1 {
            _ = try await world.complete(challenge, .code(code))
        } else {
            await #expect(throws: AccountError.secondFactorFailed(.totpCode)) { _ = try await world.complete(challenge, .code(code)) }
        }
    }

    @Test("A challenge works once, expires after five minutes, and a wrong code leaves it usable")
    func challengeRules() async throws {
        let world = try World()
        let (totp, _, _) = try await world.enrolled()
        world.clock.advance(by: .seconds(30))
        let challenge = try await world.challenge()
        await #expect(throws: AccountError.secondFactorFailed(.totpCode)) { _ = try await world.complete(challenge, .code("000000")) }
        _ = try await world.complete(challenge, .code(totp.code(step: world.step)))
        world.clock.advance(by: .seconds(30))
        await #expect(throws: AccountError.secondFactorFailed(.challenge)) {
            _ = try await world.complete(challenge, .code(totp.code(step: world.step)))
        }

        let expiring = try await world.challenge()
        world.clock.advance(by: .seconds(301))
        await #expect(throws: AccountError.secondFactorFailed(.challenge)) {
            _ = try await world.complete(expiring, .code(totp.code(step: world.step)))
        }
        for forged in ["", "no-separator", "\(expiring.split(separator: ".")[0]).forged", String(repeating: "a", count: 5_000)] {
            await #expect(throws: AccountError.secondFactorFailed(.challenge)) { _ = try await world.complete(forged, .code("123456")) }
        }
    }

    @Test("A recovery code works once, in place of the code")
    func recoveryCode() async throws {
        let world = try World()
        let (_, codes, _) = try await world.enrolled()
        let login = try await world.complete(try await world.challenge(), .recoveryCode(codes[3].uppercased()))
        #expect(login.session.authenticationMethods == [.password, .recoveryCode])
        #expect(try await world.store.unusedRecoveryCodeCount(accountID: login.accountID) == 9)
        await #expect(throws: AccountError.secondFactorFailed(.recoveryCode)) {
            _ = try await world.complete(try await world.challenge(), .recoveryCode(codes[3]))
        }
        await #expect(throws: AccountError.secondFactorFailed(.recoveryCode)) {
            _ = try await world.complete(try await world.challenge(), .recoveryCode("aaaaa-bbbbb"))
        }
    }

    @Test("Wrong codes are counted by the login throttle, like wrong passwords")
    func throttle() async throws {
        let world = try World(limits: LoginThrottle.Limits(perPair: RateLimit(count: 3, window: .seconds(900))))
        let (totp, _, _) = try await world.enrolled()
        world.clock.advance(by: .seconds(30))
        let challenge = try await world.challenge()
        for _ in 0..<3 {
            await #expect(throws: AccountError.secondFactorFailed(.totpCode)) { _ = try await world.complete(challenge, .code("000000")) }
        }
        await #expect(throws: AccountError.self) { _ = try await world.complete(challenge, .code(totp.code(step: world.step))) }
        let error = await #expect(throws: AccountError.self) { _ = try await world.complete(challenge, .code(totp.code(step: world.step))) }
        #expect(error?.code == .tooManyAttempts)
    }

    @Test("A new password voids the logins waiting for their second factor")
    func passwordChangeVoidsChallenges() async throws {
        let world = try World()
        let (totp, _, session) = try await world.enrolled()
        world.clock.advance(by: .seconds(30))
        let challenge = try await world.challenge()
        try await world.accounts.changePassword(
            accountID: session.accountID,
            currentPassword: Self.password,
            newPassword: "a brand new passphrase",
            keepingSession: session.id,
            client: Self.client
        )
        await #expect(throws: AccountError.secondFactorFailed(.challenge)) {
            _ = try await world.complete(challenge, .code(totp.code(step: world.step)))
        }
    }

    @Test("Turning the factor off: logins need the password alone again, the recovery codes are gone")
    func disable() async throws {
        let world = try World()
        let (_, _, session) = try await world.enrolled()
        try await world.accounts.disableTOTP(session: session, client: Self.client)
        #expect(try await world.store.unusedRecoveryCodeCount(accountID: session.accountID) == 0)
        _ = try await world.accounts.logIn(username: "ada", password: Self.password, client: Self.client)
        await #expect(throws: AccountError.conflict(.totpNotEnabled)) { try await world.accounts.disableTOTP(session: session, client: Self.client) }
    }

    @Test("With a second factor, reauthenticating needs a code too")
    func reauthenticateWithCode() async throws {
        let world = try World()
        let (totp, codes, session) = try await world.enrolled()
        world.clock.advance(by: .seconds(700))
        await #expect(throws: AccountError.secondFactorRequired) {
            _ = try await world.accounts.reauthenticate(session: session, password: Self.password, client: Self.client)
        }
        await #expect(throws: AccountError.secondFactorFailed(.totpCode)) {
            _ = try await world.accounts.reauthenticate(session: session, password: Self.password, secondFactor: .code("000000"), client: Self.client)
        }
        let renewed = try await world.accounts.reauthenticate(
            session: session,
            password: Self.password,
            secondFactor: .code(totp.code(step: world.step)),
            client: Self.client
        )
        #expect(renewed.authenticationMethods == [.password, .totp])
        world.clock.advance(by: .seconds(700))
        let again = try await world.accounts.reauthenticate(
            session: session,
            password: Self.password,
            secondFactor: .recoveryCode(codes[0]),
            client: Self.client
        )
        #expect(again.authenticationMethods == [.password, .recoveryCode])
    }

    @Test("A secret sealed under other keys does not open: the login fails closed")
    func otherKeys() async throws {
        let world = try World()
        let (totp, _, _) = try await world.enrolled()
        var options = world.accounts.options
        options.totpKeys = [try SealingKey(id: "k2", bytes: Array(repeating: 9, count: 32))]
        let other = Accounts(store: world.store, options: options)
        let outcome = try await other.beginLogIn(username: "ada", password: Self.password, client: Self.client)
        guard case .secondFactorRequired(let challenge) = outcome else { throw AccountError.secondFactorRequired }
        world.clock.advance(by: .seconds(30))
        let error = await #expect(throws: AccountError.self) {
            _ = try await other.completeLogIn(challenge: challenge.challenge, proof: .code(totp.code(step: world.step)), client: Self.client)
        }
        #expect(error?.code == .invalidConfiguration)
    }
}
