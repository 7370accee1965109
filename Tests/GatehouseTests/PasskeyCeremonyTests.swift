import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// The passkey ceremonies in the core, against a software authenticator: registration and its options,
/// logins with a discoverable passkey or a named one, reauthentication, removal, and every refusal with
/// the exact error a client gets.
@Suite("Passkey ceremonies")
struct PasskeyCeremonyTests {
    typealias Tampering = SoftwareAuthenticator.Tampering

    static let client = ConnectionInfo(ip: "192.0.2.40", userAgent: "PasskeyCeremonyTests/1")
    static let password = "correct horse battery"
    static let relyingParty = RelyingParty(id: "example.com", origins: ["https://example.com"])

    struct World {
        let clock = ManualWallClock()
        let store: MemoryStore
        let accounts: Accounts

        init(relyingParty: RelyingParty? = PasskeyCeremonyTests.relyingParty, configure: (inout AccountsOptions) -> Void = { _ in }) throws {
            store = MemoryStore(clock: clock)
            var sessions = SessionsOptions(getTokenSecret: { _ in "a secret of at least thirty-two bytes, for tests" })
            sessions.clock = clock
            sessions.random = SeededRandomSource(seed: 2024)
            var options = AccountsOptions(sessions: sessions)
            options.passwordHasher = ScryptPasswordHasher(logN: 4)
            options.relyingParty = relyingParty
            options.totpKeys = [try SealingKey(id: "k1", bytes: Array(repeating: 9, count: 32))]
            configure(&options)
            accounts = Accounts(store: store, options: options)
        }

        /// `username`, created with the password when new, logged in with it.
        func logIn(_ username: String = "ada") async throws -> Authentication {
            if try await accounts.account(username: username) == nil {
                _ = try await accounts.createAccount(
                    CreateAccountInput(username: username, email: "\(username)@example.com", password: PasskeyCeremonyTests.password)
                )
            }
            return try await accounts.logIn(username: username, password: PasskeyCeremonyTests.password, client: PasskeyCeremonyTests.client)
        }

        /// Registers the authenticator's credential to the session's account, through fresh options.
        @discardableResult
        func register(
            _ authenticator: inout SoftwareAuthenticator,
            session: SessionDocument,
            name: String? = nil,
            _ tampering: Tampering = Tampering()
        ) async throws -> PasskeyRecord {
            let options = try await accounts.beginPasskeyRegistration(session: session)
            return try await accounts.registerPasskey(
                session: session,
                credential: authenticator.create(options, tampering),
                name: name,
                client: PasskeyCeremonyTests.client
            )
        }

        /// `username` logged in with the password, with the authenticator's passkey registered.
        func withPasskey(
            _ authenticator: inout SoftwareAuthenticator,
            username: String = "ada"
        ) async throws -> (login: Authentication, passkey: PasskeyRecord) {
            let login = try await logIn(username)
            let passkey = try await register(&authenticator, session: login.session)
            return (login, passkey)
        }

        /// `username` logged in with the password, with a new ES256 passkey registered.
        func withPasskey(
            _ username: String = "ada"
        ) async throws -> (login: Authentication, authenticator: SoftwareAuthenticator, passkey: PasskeyRecord) {
            var authenticator = SoftwareAuthenticator()
            let (login, passkey) = try await withPasskey(&authenticator, username: username)
            return (login, authenticator, passkey)
        }

        /// A passkey login through fresh options (discoverable without `username`).
        func logIn(
            with authenticator: inout SoftwareAuthenticator,
            username: String? = nil,
            _ tampering: Tampering = Tampering()
        ) async throws -> Authentication {
            let options = try await accounts.beginPasskeyLogIn(username: username, client: PasskeyCeremonyTests.client)
            return try await accounts.logIn(passkey: authenticator.get(options, tampering), client: PasskeyCeremonyTests.client)
        }

        func stored(_ passkey: PasskeyRecord) async throws -> PasskeyRecord {
            try #require(try await store.passkey(credentialID: passkey.credentialID))
        }

        func events(_ kind: AuditEvent.Kind, of accountID: String) async throws -> [AuditEvent] {
            try await accounts.activity(ofAccount: accountID, limit: 100).filter { $0.kind == kind }
        }
    }

    /// Expects `body` to throw exactly `expected` (code and detail).
    static func expect(
        _ expected: AccountError,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as AccountError {
            #expect(error == expected, "got \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
        }
    }

    static func randomChallenge() -> String {
        SoftwareAuthenticator.base64url((0..<32).map { _ in UInt8.random(in: .min ... .max) })
    }

    // MARK: Registration

    @Test(
        "Registration stores the passkey: its credential id, COSE key, counter, name and time; audited",
        arguments: SoftwareAuthenticator.Algorithm.allCases
    )
    func registration(algorithm: SoftwareAuthenticator.Algorithm) async throws {
        let world = try World()
        let login = try await world.logIn()
        world.clock.advance(by: .seconds(30))
        var authenticator = SoftwareAuthenticator(algorithm)
        let passkey = try await world.register(&authenticator, session: login.session)

        #expect(passkey.accountID == login.accountID)
        #expect(passkey.credentialID == authenticator.credentialID)
        #expect(passkey.publicKey == authenticator.cosePublicKey)
        #expect(try COSEKey(coseBytes: passkey.publicKey).algorithm == (algorithm == .es256 ? .es256 : .edDSA))
        #expect(passkey.signCount == 0)
        #expect(passkey.name == "Passkey")
        #expect(passkey.createdAt == world.clock.now())
        #expect(passkey.lastUsedAt == nil)
        #expect(passkey.id.count == 26, "a ULID")
        #expect(try await world.accounts.passkeys(ofAccount: login.accountID) == [passkey])
        #expect(try await world.stored(passkey) == passkey)

        let events = try await world.events(.passkeyRegistered, of: login.accountID)
        #expect(events.count == 1)
        #expect(events.first?.details == ["passkey_id": passkey.id])
        #expect(events.first?.sessionID == login.sessionID)
        #expect(events.first?.clientAddress == Self.client.ip)
    }

    @Test("A counting authenticator's first count is stored; a name is trimmed")
    func registrationCountAndName() async throws {
        let world = try World()
        let login = try await world.logIn()
        var authenticator = SoftwareAuthenticator(.edDSA, counting: true)
        authenticator.signCount = 41
        let passkey = try await world.register(&authenticator, session: login.session, name: "  Work laptop \n")
        #expect(passkey.signCount == 42)
        #expect(passkey.name == "Work laptop")
    }

    @Test(
        "A name that is empty, too long or holds control or format characters is InvalidRequest name, before the challenge is spent",
        arguments: ["", "   ", String(repeating: "n", count: 65), "bell\u{07}", "zero\u{200B}width", "bidi\u{202E}override", "\u{FEFF}bom"]
    )
    func invalidName(name: String) async throws {
        let world = try World()
        let login = try await world.logIn()
        let options = try await world.accounts.beginPasskeyRegistration(session: login.session)
        var authenticator = SoftwareAuthenticator()
        let credential = authenticator.create(options)
        await Self.expect(AccountError.invalidRequest(.passkeyName)) {
            _ = try await world.accounts.registerPasskey(session: login.session, credential: credential, name: name, client: Self.client)
        }
        let passkey = try await world.accounts.registerPasskey(session: login.session, credential: credential, name: "n", client: Self.client)
        #expect(passkey.name == "n")
    }

    @Test("Registration options: rp, user handle = the account id's bytes, ES256 and EdDSA, 5 minutes, the account's passkeys excluded")
    func registrationOptions() async throws {
        let world = try World()
        let login = try await world.logIn()
        let options = try await world.accounts.beginPasskeyRegistration(session: login.session)
        #expect(options.rp.id == "example.com")
        #expect(options.rp.name == "Gatehouse")
        #expect(options.user.id == SoftwareAuthenticator.base64url(Array(login.accountID.utf8)))
        #expect(options.user.name == "ada")
        #expect(options.user.displayName == "ada")
        #expect(options.pubKeyCredParams.map(\.alg) == [-8, -7])
        #expect(options.pubKeyCredParams.allSatisfy { $0.type == "public-key" })
        #expect(options.timeout == 300_000)
        #expect(options.excludeCredentials.isEmpty)
        #expect(options.authenticatorSelection.residentKey == "required")
        #expect(options.authenticatorSelection.requireResidentKey)
        #expect(options.authenticatorSelection.userVerification == "required")
        #expect(options.attestation == "none")
        #expect(SoftwareAuthenticator.decode(options.challenge)?.count == 32)

        var authenticator = SoftwareAuthenticator()
        _ = try await world.accounts.registerPasskey(session: login.session, credential: authenticator.create(options), client: Self.client)
        let next = try await world.accounts.beginPasskeyRegistration(session: login.session)
        #expect(next.excludeCredentials.map(\.id) == [authenticator.encodedCredentialID])
        #expect(next.excludeCredentials.map(\.type) == ["public-key"])
        #expect(next.challenge != options.challenge)
    }

    /// A registration answer spoiled one way, and the refusal it gets.
    struct RegistrationRefusal: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var tampering = Tampering()
        var edit: @Sendable (inout PasskeyRegistrationCredential) -> Void = { _ in }
        var error: AccountError
        /// Whether the refusal comes after the challenge was taken (checks of a well-formed answer) or
        /// before (a malformed one).
        var spendsChallenge: Bool
    }

    static let registrationRefusals: [RegistrationRefusal] = [
        .init(
            testDescription: "another origin",
            tampering: .init(origin: "https://evil.example"),
            error: .passkeyFailed(.passkeyOrigin),
            spendsChallenge: true
        ),
        .init(
            testDescription: "another port",
            tampering: .init(origin: "https://example.com:8443"),
            error: .passkeyFailed(.passkeyOrigin),
            spendsChallenge: true
        ),
        .init(testDescription: "http", tampering: .init(origin: "http://example.com"), error: .passkeyFailed(.passkeyOrigin), spendsChallenge: true),
        .init(testDescription: "crossOrigin true", tampering: .init(crossOrigin: true), error: .passkeyFailed(.passkeyOrigin), spendsChallenge: true),
        .init(
            testDescription: "topOrigin present",
            tampering: .init(topOrigin: "https://example.com"),
            error: .passkeyFailed(.passkeyOrigin),
            spendsChallenge: true
        ),
        .init(
            testDescription: "another rp id",
            tampering: .init(rpID: "evil.example"),
            error: .passkeyFailed(.passkeyRelyingParty),
            spendsChallenge: true
        ),
        .init(
            testDescription: "a subdomain's rp id",
            tampering: .init(rpID: "login.example.com"),
            error: .passkeyFailed(.passkeyRelyingParty),
            spendsChallenge: true
        ),
        .init(
            testDescription: "no user presence",
            tampering: .init(flags: SoftwareAuthenticator.userVerified),
            error: .passkeyFailed(.userPresence),
            spendsChallenge: true
        ),
        .init(
            testDescription: "no user verification",
            tampering: .init(flags: SoftwareAuthenticator.userPresent),
            error: .passkeyFailed(.userVerification),
            spendsChallenge: true
        ),
        .init(
            testDescription: "packed attestation",
            tampering: .init(attestation: .packed),
            error: .passkeyFailed(.attestation),
            spendsChallenge: true
        ),
        .init(
            testDescription: "attested credential id is not rawId",
            tampering: .init(attestedCredentialID: Array(repeating: 7, count: 16)),
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: true
        ),
        .init(
            testDescription: "id is not rawId",
            tampering: .init(id: "AAAAAAAAAAAAAAAAAAAAAA"),
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "type is not public-key",
            tampering: .init(credentialType: "password"),
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "client data of a login",
            tampering: .init(clientDataType: "webauthn.get"),
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "client data of no ceremony",
            tampering: .init(clientDataType: "payment.get"),
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "rawId not base64url",
            edit: {
                $0.id = "not base64url!"
                $0.rawId = "not base64url!"
            },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "client data not base64url",
            edit: { $0.response.clientDataJSON = "{\"type\":\"webauthn.create\"}" },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "client data padded",
            edit: { $0.response.clientDataJSON += "=" },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "client data not JSON",
            edit: { $0.response.clientDataJSON = SoftwareAuthenticator.base64url(Array("webauthn.create".utf8)) },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "attestation object not base64url",
            edit: { $0.response.attestationObject = "***" },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "attestation object not CBOR",
            edit: { $0.response.attestationObject = SoftwareAuthenticator.base64url([0xFF, 0x00]) },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "attestation object truncated",
            edit: { credential in
                let bytes = SoftwareAuthenticator.decode(credential.response.attestationObject) ?? []
                credential.response.attestationObject = SoftwareAuthenticator.base64url(bytes.dropLast())
            },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
        .init(
            testDescription: "attestation object empty",
            edit: { $0.response.attestationObject = "" },
            error: .invalidRequest(.passkeyCredential),
            spendsChallenge: false
        ),
    ]

    @Test("A spoiled registration is refused with its exact error and stores nothing", arguments: registrationRefusals)
    func registrationRefused(refusal: RegistrationRefusal) async throws {
        let world = try World()
        let login = try await world.logIn()
        let options = try await world.accounts.beginPasskeyRegistration(session: login.session)
        var authenticator = SoftwareAuthenticator()
        var credential = authenticator.create(options, refusal.tampering)
        refusal.edit(&credential)
        await Self.expect(refusal.error) {
            _ = try await world.accounts.registerPasskey(session: login.session, credential: credential, client: Self.client)
        }
        #expect(try await world.accounts.passkeys(ofAccount: login.accountID).isEmpty)
        #expect(try await world.events(.passkeyRegistered, of: login.accountID).isEmpty)

        // The same options, answered properly.
        let retry = {
            try await world.accounts.registerPasskey(session: login.session, credential: authenticator.create(options), client: Self.client)
        }
        if refusal.spendsChallenge {
            await Self.expect(AccountError.passkeyFailed(.passkeyChallenge)) { _ = try await retry() }
        } else {
            #expect(try await retry().credentialID == authenticator.credentialID)
        }
    }

    @Test("Client data without crossOrigin, as older browsers send it, is accepted")
    func crossOriginAbsent() async throws {
        let world = try World()
        let login = try await world.logIn()
        var authenticator = SoftwareAuthenticator()
        let passkey = try await world.register(&authenticator, session: login.session, Tampering(crossOrigin: nil))
        #expect(try await world.logIn(with: &authenticator, Tampering(crossOrigin: nil)).accountID == passkey.accountID)
    }

    /// The ways a registration's challenge can be the wrong one.
    enum RegistrationChallenge: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case unknown, used, expired, anotherSession, anotherAccount, loginChallenge
        var testDescription: String { rawValue }
    }

    @Test(
        "A registration answering a challenge that is unknown, used, expired, or not this session's registration is PasskeyFailed passkey_challenge",
        arguments: RegistrationChallenge.allCases
    )
    func registrationChallenge(_ challenge: RegistrationChallenge) async throws {
        let world = try World()
        let login = try await world.logIn()
        var session = login.session
        let options = try await world.accounts.beginPasskeyRegistration(session: session)
        var tampering = Tampering()
        var authenticator = SoftwareAuthenticator()
        switch challenge {
        case .unknown:
            tampering.challenge = Self.randomChallenge()
        case .used:
            var first = SoftwareAuthenticator()
            _ = try await world.accounts.registerPasskey(session: session, credential: first.create(options), client: Self.client)
        case .expired:
            world.clock.advance(by: .seconds(301))
        case .anotherSession:
            session = try await world.logIn().session
        case .anotherAccount:
            session = try await world.logIn("bob").session
        case .loginChallenge:
            tampering.challenge = try await world.accounts.beginPasskeyLogIn(username: "ada", client: Self.client).challenge
        }
        let credential = authenticator.create(options, tampering)
        await Self.expect(AccountError.passkeyFailed(.passkeyChallenge)) {
            _ = try await world.accounts.registerPasskey(session: session, credential: credential, client: Self.client)
        }
        #expect(try await world.store.passkey(credentialID: authenticator.credentialID) == nil)
    }

    @Test("A challenge answered in its last second is accepted", arguments: [0, 150, 299])
    func challengeWithinLifetime(seconds: Int) async throws {
        let world = try World()
        let login = try await world.logIn()
        let options = try await world.accounts.beginPasskeyRegistration(session: login.session)
        world.clock.advance(by: .seconds(seconds))
        var authenticator = SoftwareAuthenticator()
        _ = try await world.accounts.registerPasskey(session: login.session, credential: authenticator.create(options), client: Self.client)
    }

    @Test("A registration answered in another session spends the challenge for its own session too")
    func anotherSessionSpendsChallenge() async throws {
        let world = try World()
        let login = try await world.logIn()
        let other = try await world.logIn()
        let options = try await world.accounts.beginPasskeyRegistration(session: login.session)
        var authenticator = SoftwareAuthenticator()
        let credential = authenticator.create(options)
        await Self.expect(AccountError.passkeyFailed(.passkeyChallenge)) {
            _ = try await world.accounts.registerPasskey(session: other.session, credential: credential, client: Self.client)
        }
        await Self.expect(AccountError.passkeyFailed(.passkeyChallenge)) {
            _ = try await world.accounts.registerPasskey(session: login.session, credential: credential, client: Self.client)
        }
    }

    @Test("A credential registered already, to this account or another, is Conflict passkey_taken")
    func duplicate() async throws {
        let world = try World()
        let (login, authenticator, passkey) = try await world.withPasskey()
        var again = authenticator
        await Self.expect(AccountError.conflict(.passkeyTaken)) { try await world.register(&again, session: login.session) }
        let bob = try await world.logIn("bob")
        await Self.expect(AccountError.conflict(.passkeyTaken)) { try await world.register(&again, session: bob.session) }
        #expect(try await world.accounts.passkeys(ofAccount: login.accountID) == [passkey])
        #expect(try await world.accounts.passkeys(ofAccount: bob.accountID).isEmpty)
        #expect(try await world.events(.passkeyRegistered, of: login.accountID).count == 1)
        #expect(try await world.events(.passkeyRegistered, of: bob.accountID).isEmpty)
    }

    @Test("Registration needs a recent authentication; the options' challenge survives a refusal and a reauthentication")
    func registrationStepUp() async throws {
        let world = try World()
        let login = try await world.logIn()
        world.clock.advance(by: .seconds(601))
        await Self.expect(AccountError.reauthenticationRequired) { _ = try await world.accounts.beginPasskeyRegistration(session: login.session) }

        let session = try await world.accounts.reauthenticate(session: login.session, password: Self.password, client: Self.client)
        world.clock.advance(by: .seconds(599))
        let options = try await world.accounts.beginPasskeyRegistration(session: session)
        world.clock.advance(by: .seconds(2))
        var authenticator = SoftwareAuthenticator()
        let credential = authenticator.create(options)
        await Self.expect(AccountError.reauthenticationRequired) {
            _ = try await world.accounts.registerPasskey(session: session, credential: credential, client: Self.client)
        }
        let renewed = try await world.accounts.reauthenticate(session: session, password: Self.password, client: Self.client)
        _ = try await world.accounts.registerPasskey(session: renewed, credential: credential, client: Self.client)
    }

    @Test("Without a relying party every ceremony is InvalidConfiguration passkeys_unavailable")
    func noRelyingParty() async throws {
        let world = try World(relyingParty: nil)
        let login = try await world.logIn()
        var authenticator = SoftwareAuthenticator()
        let unavailable = AccountError.invalidConfiguration(.passkeysUnavailable)
        await Self.expect(unavailable) { _ = try await world.accounts.beginPasskeyRegistration(session: login.session) }
        await Self.expect(unavailable) {
            let credential = authenticator.create(challenge: Self.randomChallenge(), rpID: "example.com", userID: "YWRh")
            _ = try await world.accounts.registerPasskey(session: login.session, credential: credential, client: Self.client)
        }
        await Self.expect(unavailable) { _ = try await world.accounts.beginPasskeyLogIn(client: Self.client) }
        await Self.expect(unavailable) { _ = try await world.accounts.beginPasskeyLogIn(username: "ada", client: Self.client) }
        let assertion = authenticator.get(challenge: Self.randomChallenge(), rpID: "example.com")
        await Self.expect(unavailable) { _ = try await world.accounts.logIn(passkey: assertion, client: Self.client) }
        await Self.expect(unavailable) {
            _ = try await world.accounts.reauthenticate(session: login.session, passkey: assertion, client: Self.client)
        }
    }

    // MARK: Login

    @Test(
        "A discoverable login: options name no passkey; the session is authenticated by passkey; last use recorded",
        arguments: SoftwareAuthenticator.Algorithm.allCases
    )
    func discoverableLogin(algorithm: SoftwareAuthenticator.Algorithm) async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator(algorithm)
        let (login, passkey) = try await world.withPasskey(&authenticator)
        world.clock.advance(by: .seconds(60))
        let options = try await world.accounts.beginPasskeyLogIn(client: Self.client)
        #expect(options.allowCredentials.isEmpty)
        #expect(options.rpId == "example.com")
        #expect(options.timeout == 300_000)
        #expect(options.userVerification == "required")
        #expect(SoftwareAuthenticator.decode(options.challenge)?.count == 32)

        let session = try await world.accounts.logIn(passkey: authenticator.get(options), client: Self.client)
        #expect(session.accountID == login.accountID)
        #expect(session.sessionID != login.sessionID)
        #expect(session.session.authenticationMethods == [.passkey])
        #expect(session.session.authenticatedAt == world.clock.now())
        #expect(try await world.store.session(id: session.sessionID)?.authenticationMethods == [.passkey])
        #expect(try await world.accounts.sessions.authenticate(token: session.token, client: Self.client)?.accountID == login.accountID)
        var used = passkey
        used.lastUsedAt = world.clock.now()
        #expect(try await world.stored(passkey) == used)
        let succeeded = try await world.events(.loginSucceeded, of: login.accountID)
        #expect(succeeded.first?.details["method"] == "passkey")
        #expect(succeeded.first?.sessionID == session.sessionID)
    }

    @Test("A login with a username: the options name its passkeys; the user handle may then be left out")
    func namedLogin() async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator()
        let login = try await world.withPasskey(&authenticator).login
        var second = SoftwareAuthenticator(.edDSA)
        try await world.register(&second, session: login.session)
        let options = try await world.accounts.beginPasskeyLogIn(username: "ADA", client: Self.client)
        #expect(options.allowCredentials.map(\.id) == [authenticator.encodedCredentialID, second.encodedCredentialID])
        let session = try await world.accounts.logIn(passkey: authenticator.get(options, Tampering(userHandle: .omitted)), client: Self.client)
        #expect(session.accountID == login.accountID)
        #expect(session.session.authenticationMethods == [.passkey])
        // With the handle too.
        #expect(try await world.logIn(with: &second, username: "ada").accountID == login.accountID)
    }

    @Test("Options for an unknown username, or one without passkeys, look like discoverable ones", arguments: ["nobody", "bob", "not a username!"])
    func optionsForUnknownUsername(username: String) async throws {
        let world = try World()
        _ = try await world.withPasskey()
        _ = try await world.logIn("bob")
        let options = try await world.accounts.beginPasskeyLogIn(username: username, client: Self.client)
        #expect(options.allowCredentials.isEmpty)
        #expect(options.rpId == "example.com")
    }

    @Test("Each address may start so many passkey logins: over the limit, TooManyAttempts with a retry time; other addresses go on")
    func loginOptionsLimit() async throws {
        let world = try World { $0.passkeyLogInLimit = RateLimit(count: 3, window: .seconds(300)) }
        for _ in 0..<3 { _ = try await world.accounts.beginPasskeyLogIn(client: Self.client) }
        do {
            _ = try await world.accounts.beginPasskeyLogIn(username: "ada", client: Self.client)
            Issue.record("the fourth options were not refused")
        } catch let error as AccountError {
            #expect(error.code == .tooManyAttempts)
            #expect((1...300).contains(error.retryAfter ?? 0), "retry after \(error.retryAfter ?? 0) s")
        }
        _ = try await world.accounts.beginPasskeyLogIn(client: ConnectionInfo(ip: "198.51.100.7", userAgent: "Elsewhere/1"))
        world.clock.advance(by: .seconds(301))
        _ = try await world.accounts.beginPasskeyLogIn(client: Self.client)
    }

    @Test("A passkey login skips the account's TOTP factor: the passkey is two factors")
    func totpNotAsked() async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator()
        let login = try await world.withPasskey(&authenticator).login
        let enrolment = try await world.accounts.beginTOTPEnrolment(session: login.session)
        let totp = TOTP(secret: try #require(Base32.decode(enrolment.secret)))
        _ = try await world.accounts.confirmTOTP(session: login.session, code: totp.code(step: TOTP.step(at: world.clock.now())), client: Self.client)
        await Self.expect(AccountError.secondFactorRequired) {
            _ = try await world.accounts.logIn(username: "ada", password: Self.password, client: Self.client)
        }
        let session = try await world.logIn(with: &authenticator)
        #expect(session.session.authenticationMethods == [.passkey])
    }

    /// A login answer spoiled one way, and the refusal it gets.
    struct LoginRefusal: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var tampering = Tampering()
        var edit: @Sendable (inout PasskeyAssertionCredential) -> Void = { _ in }
        var error: AccountError
    }

    static let loginRefusals: [LoginRefusal] = [
        .init(testDescription: "another origin", tampering: .init(origin: "https://evil.example"), error: .passkeyFailed(.passkeyOrigin)),
        .init(testDescription: "crossOrigin true", tampering: .init(crossOrigin: true), error: .passkeyFailed(.passkeyOrigin)),
        .init(testDescription: "topOrigin present", tampering: .init(topOrigin: "https://evil.example"), error: .passkeyFailed(.passkeyOrigin)),
        .init(testDescription: "another rp id", tampering: .init(rpID: "evil.example"), error: .passkeyFailed(.passkeyRelyingParty)),
        .init(testDescription: "no user presence", tampering: .init(flags: SoftwareAuthenticator.userVerified), error: .passkeyFailed(.userPresence)),
        .init(
            testDescription: "no user verification",
            tampering: .init(flags: SoftwareAuthenticator.userPresent),
            error: .passkeyFailed(.userVerification)
        ),
        .init(testDescription: "signature bit flipped", tampering: .init(flipsSignatureBit: true), error: .passkeyFailed(.passkeySignature)),
        .init(
            testDescription: "signed flags differ from the sent ones",
            edit: { credential in
                var bytes = SoftwareAuthenticator.decode(credential.response.authenticatorData) ?? []
                bytes[32] |= SoftwareAuthenticator.backupEligible
                credential.response.authenticatorData = SoftwareAuthenticator.base64url(bytes)
            },
            error: .passkeyFailed(.passkeySignature)
        ),
        .init(
            testDescription: "user handle of another account",
            tampering: .init(userHandle: .bytes(Array("01HZZZZZZZZZZZZZZZZZZZZZZZ".utf8))),
            error: .passkeyFailed(.unknownPasskey)
        ),
        .init(
            testDescription: "no user handle on a discoverable login",
            tampering: .init(userHandle: .omitted),
            error: .passkeyFailed(.unknownPasskey)
        ),
        .init(
            testDescription: "an unknown credential",
            edit: {
                $0.id = "AAAAAAAAAAAAAAAAAAAAAA"
                $0.rawId = "AAAAAAAAAAAAAAAAAAAAAA"
            },
            error: .passkeyFailed(.unknownPasskey)
        ),
        .init(
            testDescription: "client data of a registration",
            tampering: .init(clientDataType: "webauthn.create"),
            error: .invalidRequest(.passkeyCredential)
        ),
        .init(testDescription: "type is not public-key", tampering: .init(credentialType: "public_key"), error: .invalidRequest(.passkeyCredential)),
        .init(testDescription: "id is not rawId", tampering: .init(id: "AAAAAAAAAAAAAAAAAAAAAA"), error: .invalidRequest(.passkeyCredential)),
        .init(
            testDescription: "authenticator data truncated",
            edit: { credential in
                let bytes = SoftwareAuthenticator.decode(credential.response.authenticatorData) ?? []
                credential.response.authenticatorData = SoftwareAuthenticator.base64url(bytes.prefix(36))
            },
            error: .invalidRequest(.passkeyCredential)
        ),
        .init(
            testDescription: "authenticator data with trailing bytes",
            edit: {
                $0.response.authenticatorData = SoftwareAuthenticator.base64url(
                    (SoftwareAuthenticator.decode($0.response.authenticatorData) ?? []) + [0]
                )
            },
            error: .invalidRequest(.passkeyCredential)
        ),
        .init(testDescription: "signature not base64url", edit: { $0.response.signature = "MEUC+/==" }, error: .invalidRequest(.passkeyCredential)),
        .init(
            testDescription: "signature too long",
            edit: { $0.response.signature = SoftwareAuthenticator.base64url([UInt8](repeating: 1, count: 257)) },
            error: .invalidRequest(.passkeyCredential)
        ),
        .init(testDescription: "user handle not base64url", edit: { $0.response.userHandle = "%%" }, error: .invalidRequest(.passkeyCredential)),
    ]

    @Test("A spoiled login is refused with its exact error; no session starts, the passkey's counter and last use stay", arguments: loginRefusals)
    func loginRefused(refusal: LoginRefusal) async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator(counting: true)
        let (login, passkey) = try await world.withPasskey(&authenticator)
        let options = try await world.accounts.beginPasskeyLogIn(client: Self.client)
        var credential = authenticator.get(options, refusal.tampering)
        refusal.edit(&credential)
        await Self.expect(refusal.error) { _ = try await world.accounts.logIn(passkey: credential, client: Self.client) }
        #expect(try await world.accounts.sessions(ofAccount: login.accountID).map(\.id) == [login.sessionID])
        #expect(try await world.stored(passkey) == passkey)
        // The one the signature refused is counted as a failed login of the passkey's account.
        let failures = try await world.events(.loginFailed, of: login.accountID)
        #expect(failures.map(\.details) == (refusal.error.detail == .passkeySignature ? [["reason": "passkey"]] : []))
    }

    @Test("A signature of the wrong key: refused, the counter unchanged, and the next honest login works")
    func signatureThenHonest() async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator(counting: true)
        let (_, passkey) = try await world.withPasskey(&authenticator)
        // Another key under the same credential id: a forgery.
        var forger = SoftwareAuthenticator(.es256, counting: true, credentialID: authenticator.credentialID)
        forger.signCount = 100
        let options = try await world.accounts.beginPasskeyLogIn(client: Self.client)
        let forged = forger.get(options, Tampering(userHandle: .bytes(Array(passkey.accountID.utf8))))
        await Self.expect(AccountError.passkeyFailed(.passkeySignature)) { _ = try await world.accounts.logIn(passkey: forged, client: Self.client) }
        #expect(try await world.stored(passkey).signCount == 1)
        _ = try await world.logIn(with: &authenticator)
        #expect(try await world.stored(passkey).signCount == 2)
    }

    /// The login challenge's wrong ones.
    enum LoginChallenge: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case unknown, replayed, expired, registrationChallenge
        var testDescription: String { rawValue }
    }

    @Test(
        "A login answering a challenge that is unknown, used, expired or a registration's is PasskeyFailed passkey_challenge",
        arguments: LoginChallenge.allCases
    )
    func loginChallenge(_ challenge: LoginChallenge) async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator()
        let (login, passkey) = try await world.withPasskey(&authenticator)
        let options = try await world.accounts.beginPasskeyLogIn(client: Self.client)
        var tampering = Tampering()
        switch challenge {
        case .unknown:
            tampering.challenge = Self.randomChallenge()
        case .replayed:
            let first = authenticator.get(options)
            _ = try await world.accounts.logIn(passkey: first, client: Self.client)
            // The very same answer again.
            await Self.expect(AccountError.passkeyFailed(.passkeyChallenge)) {
                _ = try await world.accounts.logIn(passkey: first, client: Self.client)
            }
        case .expired:
            world.clock.advance(by: .seconds(301))
        case .registrationChallenge:
            tampering.challenge = try await world.accounts.beginPasskeyRegistration(session: login.session).challenge
        }
        let before = try await world.stored(passkey)
        let credential = authenticator.get(options, tampering)
        await Self.expect(AccountError.passkeyFailed(.passkeyChallenge)) {
            _ = try await world.accounts.logIn(passkey: credential, client: Self.client)
        }
        #expect(try await world.stored(passkey) == before)
    }

    @Test("Two logins racing with one answer: exactly one gets a session")
    func concurrentReplay() async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator()
        let login = try await world.withPasskey(&authenticator).login
        let credential = authenticator.get(try await world.accounts.beginPasskeyLogIn(client: Self.client))
        let accounts = world.accounts
        let outcomes = await withTaskGroup(of: AccountError?.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do {
                        _ = try await accounts.logIn(passkey: credential, client: Self.client)
                        return nil
                    } catch {
                        return error as? AccountError ?? AccountError.unauthorized
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.compactMap { $0 } == [AccountError.passkeyFailed(.passkeyChallenge)])
        #expect(try await world.accounts.sessions(ofAccount: login.accountID).count == 2)
    }

    @Test(
        "The counter: a counting one only grows, two zeros are an authenticator that keeps none",
        arguments: [(UInt32(0), UInt32(0), true), (0, 1, true), (1, 2, true), (5, 6, true), (5, 3, false), (5, 5, false), (5, 0, false)]
    )
    func signCount(stored: UInt32, reported: UInt32, accepted: Bool) async throws {
        let world = try World()
        let login = try await world.logIn()
        var authenticator = SoftwareAuthenticator()
        let passkey = try await world.register(&authenticator, session: login.session, Tampering(signCount: stored))
        #expect(passkey.signCount == stored)
        world.clock.advance(by: .seconds(5))
        if accepted {
            _ = try await world.logIn(with: &authenticator, Tampering(signCount: reported))
            #expect(try await world.stored(passkey).signCount == reported)
            #expect(try await world.stored(passkey).lastUsedAt == world.clock.now())
        } else {
            await Self.expect(AccountError.passkeyFailed(.signCount)) {
                _ = try await world.logIn(with: &authenticator, Tampering(signCount: reported))
            }
            #expect(try await world.stored(passkey) == passkey)
            #expect(try await world.events(.loginFailed, of: login.accountID).map(\.details) == [["reason": "passkey"]])
        }
    }

    @Test("A counting authenticator goes 5 then 3: the second is refused as a copy; a non-counting one logs in again and again")
    func counterSequence() async throws {
        let world = try World()
        var counting = SoftwareAuthenticator(.es256, counting: true)
        let (_, countingPasskey) = try await world.withPasskey(&counting)
        counting.signCount = 4
        _ = try await world.logIn(with: &counting)
        #expect(try await world.stored(countingPasskey).signCount == 5)
        counting.signCount = 2
        await Self.expect(AccountError.passkeyFailed(.signCount)) { _ = try await world.logIn(with: &counting) }
        #expect(try await world.stored(countingPasskey).signCount == 5)

        var synced = SoftwareAuthenticator(.edDSA)
        let (_, syncedPasskey) = try await world.withPasskey(&synced, username: "bob")
        for _ in 0..<3 { _ = try await world.logIn(with: &synced) }
        #expect(try await world.stored(syncedPasskey).signCount == 0)
    }

    @Test("Bob's passkey answering options asked for ada's username is refused")
    func anotherAccountsPasskeyForUsername() async throws {
        let world = try World()
        let ada = try await world.withPasskey("ada")
        var bobAuthenticator = SoftwareAuthenticator()
        let (bob, bobPasskey) = try await world.withPasskey(&bobAuthenticator, username: "bob")
        let options = try await world.accounts.beginPasskeyLogIn(username: "ada", client: Self.client)
        #expect(options.allowCredentials.map(\.id) == [ada.authenticator.encodedCredentialID])
        let credential = bobAuthenticator.get(options)
        await Self.expect(AccountError.passkeyFailed(.unknownPasskey)) {
            _ = try await world.accounts.logIn(passkey: credential, client: Self.client)
        }
        #expect(try await world.stored(bobPasskey) == bobPasskey)
        #expect(try await world.accounts.sessions(ofAccount: bob.accountID).count == 1)
        #expect(try await world.accounts.sessions(ofAccount: ada.login.accountID).count == 1)
    }

    @Test("A deactivated account's passkey does not log in: UserDeactivated, counted as a failed login")
    func deactivated() async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator()
        let login = try await world.withPasskey(&authenticator).login
        try await world.accounts.deactivateAccount(accountID: login.accountID)
        await Self.expect(AccountError.userDeactivated) { _ = try await world.logIn(with: &authenticator) }
        #expect(try await world.accounts.sessions(ofAccount: login.accountID).isEmpty)
        let failures = try await world.events(.loginFailed, of: login.accountID)
        #expect(failures.map(\.details) == [["reason": AccountError.Code.userDeactivated.rawValue]])
    }

    // MARK: Reauthentication

    @Test("Reauthenticating with a passkey renews the session in place, by passkey", arguments: [nil, "ada"])
    func reauthenticate(username: String?) async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator()
        let (login, passkey) = try await world.withPasskey(&authenticator)
        world.clock.advance(by: .seconds(700))
        #expect(throws: AccountError.reauthenticationRequired) { try world.accounts.requireRecentAuthentication(login.session) }
        let options = try await world.accounts.beginPasskeyLogIn(username: username, client: Self.client)
        let renewed = try await world.accounts.reauthenticate(session: login.session, passkey: authenticator.get(options), client: Self.client)
        #expect(renewed.id == login.sessionID)
        #expect(renewed.authenticatedAt == world.clock.now())
        #expect(renewed.authenticationMethods == [.passkey])
        try world.accounts.requireRecentAuthentication(renewed)
        let stored = try #require(try await world.store.session(id: login.sessionID))
        #expect(stored.authenticatedAt == world.clock.now())
        #expect(stored.authenticationMethods == [.passkey])
        #expect(try await world.stored(passkey).lastUsedAt == world.clock.now())
        let events = try await world.events(.sessionReauthenticated, of: login.accountID)
        #expect(events.map(\.details) == [["methods": "passkey"]])
        #expect(events.first?.sessionID == login.sessionID)
        #expect(try await world.accounts.sessions(ofAccount: login.accountID).count == 1, "no new session")
    }

    @Test("Another account's passkey does not reauthenticate a session")
    func reauthenticateWithAnotherAccountsPasskey() async throws {
        let world = try World()
        let ada = try await world.withPasskey("ada")
        var bobAuthenticator = SoftwareAuthenticator()
        let (_, bobPasskey) = try await world.withPasskey(&bobAuthenticator, username: "bob")
        world.clock.advance(by: .seconds(700))
        let credential = bobAuthenticator.get(try await world.accounts.beginPasskeyLogIn(client: Self.client))
        await Self.expect(AccountError.passkeyFailed(.unknownPasskey)) {
            _ = try await world.accounts.reauthenticate(session: ada.login.session, passkey: credential, client: Self.client)
        }
        let stored = try #require(try await world.store.session(id: ada.login.sessionID))
        #expect(stored.authenticatedAt == ada.login.session.authenticatedAt)
        #expect(stored.authenticationMethods == [.password])
        #expect(try await world.stored(bobPasskey) == bobPasskey)
        #expect(try await world.events(.sessionReauthenticated, of: ada.login.accountID).isEmpty)
    }

    // MARK: Removal

    @Test("Removing a passkey, with a password left: gone, audited passkey.removed")
    func remove() async throws {
        let world = try World()
        let (login, _, passkey) = try await world.withPasskey()
        try await world.accounts.removePasskey(id: passkey.id, session: login.session, client: Self.client)
        #expect(try await world.accounts.passkeys(ofAccount: login.accountID).isEmpty)
        #expect(try await world.store.passkey(credentialID: passkey.credentialID) == nil)
        let events = try await world.events(.passkeyRemoved, of: login.accountID)
        #expect(events.map(\.details) == [["passkey_id": passkey.id]])
        #expect(events.first?.sessionID == login.sessionID)
    }

    @Test("Removing a passkey the account does not have is PasskeyNotFound: unknown, another account's, or removed already")
    func removeNotFound() async throws {
        let world = try World()
        let ada = try await world.withPasskey("ada")
        let bob = try await world.withPasskey("bob")
        await Self.expect(AccountError.passkeyNotFound) {
            try await world.accounts.removePasskey(id: "01J00000000000000000000000", session: ada.login.session, client: Self.client)
        }
        await Self.expect(AccountError.passkeyNotFound) {
            try await world.accounts.removePasskey(id: bob.passkey.id, session: ada.login.session, client: Self.client)
        }
        #expect(try await world.stored(bob.passkey) == bob.passkey)
        try await world.accounts.removePasskey(id: ada.passkey.id, session: ada.login.session, client: Self.client)
        await Self.expect(AccountError.passkeyNotFound) {
            try await world.accounts.removePasskey(id: ada.passkey.id, session: ada.login.session, client: Self.client)
        }
        #expect(try await world.events(.passkeyRemoved, of: ada.login.accountID).count == 1)
    }

    @Test("The only passkey of an account without a password or identity stays: Conflict last_way_to_log_in; with a second one, either goes")
    func removeLastWayToLogIn() async throws {
        let world = try World()
        var authenticator = SoftwareAuthenticator()
        let (login, passkey) = try await world.withPasskey(&authenticator)
        // The account loses its password (as if created by a provider, then unlinked): only the passkey is left.
        #expect(try await world.store.setPasswordHash(accountID: login.accountID, hash: "", at: world.clock.now(), audit: .none))
        #expect(try await world.store.passwordHash(accountID: login.accountID) == nil)
        let session = try await world.logIn(with: &authenticator).session

        await Self.expect(AccountError.conflict(.lastWayToLogIn)) {
            try await world.accounts.removePasskey(id: passkey.id, session: session, client: Self.client)
        }
        #expect(try await world.accounts.passkeys(ofAccount: login.accountID).map(\.id) == [passkey.id])
        #expect(try await world.events(.passkeyRemoved, of: login.accountID).isEmpty)

        var second = SoftwareAuthenticator(.edDSA)
        let other = try await world.register(&second, session: session)
        try await world.accounts.removePasskey(id: passkey.id, session: session, client: Self.client)
        await Self.expect(AccountError.conflict(.lastWayToLogIn)) {
            try await world.accounts.removePasskey(id: other.id, session: session, client: Self.client)
        }
        #expect(try await world.accounts.passkeys(ofAccount: login.accountID).map(\.id) == [other.id])
    }

    @Test("An account created by a provider, without a password, may remove its only passkey: the identity logs in")
    func removeWithIdentity() async throws {
        let world = try World()
        let identity = ProviderIdentity(
            provider: "example",
            issuer: "https://id.example.com",
            subject: "42",
            email: "jane@example.com",
            emailVerified: true,
            preferredUsername: "jane"
        )
        let login = try await world.accounts.logIn(provider: "example", client: Self.client) { identity }
        #expect(try await world.store.passwordHash(accountID: login.accountID) == nil)
        var authenticator = SoftwareAuthenticator()
        let passkey = try await world.register(&authenticator, session: login.session)
        try await world.accounts.removePasskey(id: passkey.id, session: login.session, client: Self.client)
        #expect(try await world.accounts.passkeys(ofAccount: login.accountID).isEmpty)
    }

    @Test("An account created by a provider may unlink its identity while a passkey remains to log in with")
    func unlinkIdentityWithPasskey() async throws {
        let world = try World()
        let identity = ProviderIdentity(
            provider: "example",
            issuer: "https://id.example.com",
            subject: "43",
            email: "joe@example.com",
            emailVerified: true
        )
        let login = try await world.accounts.logIn(provider: "example", client: Self.client) { identity }
        var authenticator = SoftwareAuthenticator()
        try await world.register(&authenticator, session: login.session)
        let linked = try #require(try await world.accounts.identities(ofAccount: login.accountID).first)
        try await world.accounts.unlinkIdentity(id: linked.id, fromAccount: login.accountID)
        #expect(try await world.accounts.identities(ofAccount: login.accountID).isEmpty)
        // Now the passkey is the only way left: it stays.
        let passkey = try #require(try await world.accounts.passkeys(ofAccount: login.accountID).first)
        await Self.expect(AccountError.conflict(.lastWayToLogIn)) {
            try await world.accounts.removePasskey(id: passkey.id, session: login.session, client: Self.client)
        }
    }

    @Test("Removing a passkey needs a recent authentication")
    func removeStepUp() async throws {
        let world = try World()
        let (login, _, passkey) = try await world.withPasskey()
        world.clock.advance(by: .seconds(601))
        await Self.expect(AccountError.reauthenticationRequired) {
            try await world.accounts.removePasskey(id: passkey.id, session: login.session, client: Self.client)
        }
        #expect(try await world.stored(passkey) == passkey)
    }
}
