import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseTesting
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Passkeys over HTTP, with a software authenticator: the exact JSON of the six routes and of
/// `POST /v1/reauthenticate` with a passkey, a passkey login answered like `POST /v1/login` for each
/// transport, and the statuses of refusals.
@Suite("Routes of passkeys")
struct PasskeyRouteTests {
    typealias Tampering = SoftwareAuthenticator.Tampering

    static func harness(store: StoreKind = .memory) throws -> Harness {
        try Harness(store: store, accounts: { $0.relyingParty = RelyingParty(id: "example.com", origins: ["https://example.com"]) })
    }

    /// Asks for registration options and answers them with the authenticator; returns the registration's
    /// response.
    static func register(
        _ client: some TestClientProtocol,
        token: String,
        _ authenticator: inout SoftwareAuthenticator,
        name: String? = nil,
        _ tampering: Tampering = Tampering()
    ) async throws -> TestResponse {
        let options = try await client.send(.post, "/v1/passkeys/registration/options", .bearer(token))
        #expect(options.status == .ok, "\(options.text)")
        let credential = authenticator.create(
            challenge: try #require(options.object["challenge"] as? String),
            rpID: try #require(options.object[object: "rp"]["id"] as? String),
            userID: try #require(options.object[object: "user"]["id"] as? String),
            tampering
        )
        var body = credential.jsonObject
        if let name { body["name"] = name }
        return try await client.send(.post, "/v1/passkeys/registration", .bearer(token), json: SoftwareAuthenticator.jsonText(body))
    }

    /// Asks for login options (with a username when given) and returns the authenticator's answer as JSON.
    static func assertion(
        _ client: some TestClientProtocol,
        _ authenticator: inout SoftwareAuthenticator,
        username: String? = nil,
        _ tampering: Tampering = Tampering()
    ) async throws -> String {
        let options = try await client.send(.post, "/v1/passkeys/authentication/options", json: username.map { #"{"username":"\#($0)"}"# })
        #expect(options.status == .ok, "\(options.text)")
        return authenticator.get(
            challenge: try #require(options.object["challenge"] as? String),
            rpID: try #require(options.object["rpId"] as? String),
            tampering
        ).json
    }

    /// JSON text in one spelling (keys sorted), for comparing a member of a response with what it must be.
    static func canonical(_ value: Any?) -> String {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else {
            return "<none>"
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func canonical(json: String) -> String {
        canonical(try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed))
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func expectDetail(_ response: TestResponse, _ detail: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.object[object: "error"]["detail"] as? String == detail, "\(response.text)", sourceLocation: sourceLocation)
    }

    // MARK: Registration

    @Test("POST /v1/passkeys/registration/options answers WebAuthn creation options, exactly")
    func registrationOptions() async throws {
        let harness = try Self.harness()
        let account = try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let options = try await client.send(.post, "/v1/passkeys/registration/options", .bearer(token))
            #expect(options.status == .ok)
            #expect(options.headers[.contentType] == "application/json; charset=utf-8")
            #expect(
                Set(options.object.keys) == [
                    "rp", "user", "challenge", "pubKeyCredParams", "timeout", "excludeCredentials", "authenticatorSelection", "attestation",
                ]
            )
            #expect(Self.canonical(options.object["rp"]) == Self.canonical(json: #"{"id":"example.com","name":"Gatehouse"}"#))
            let userID = SoftwareAuthenticator.base64url(Array(account.accountID.utf8))
            #expect(Self.canonical(options.object["user"]) == Self.canonical(json: #"{"id":"\#(userID)","name":"alice","displayName":"alice"}"#))
            #expect(
                Self.canonical(options.object["pubKeyCredParams"])
                    == Self.canonical(json: #"[{"type":"public-key","alg":-8},{"type":"public-key","alg":-7}]"#)
            )
            #expect(options.object["timeout"] as? Int == 300_000)
            #expect(Self.canonical(options.object["excludeCredentials"]) == "[]")
            #expect(
                Self.canonical(options.object["authenticatorSelection"])
                    == Self.canonical(json: #"{"residentKey":"required","requireResidentKey":true,"userVerification":"required"}"#)
            )
            #expect(options.object["attestation"] as? String == "none")
            let challenge = try #require(options.object["challenge"] as? String)
            #expect(SoftwareAuthenticator.decode(challenge)?.count == 32)
            #expect(!challenge.contains("=") && !challenge.contains("+") && !challenge.contains("/"), "base64url without padding")

            // Once one is registered, it is excluded.
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: token, &authenticator).status == .created)
            let next = try await client.send(.post, "/v1/passkeys/registration/options", .bearer(token))
            #expect(
                Self.canonical(next.object["excludeCredentials"])
                    == Self.canonical(json: #"[{"type":"public-key","id":"\#(authenticator.encodedCredentialID)"}]"#)
            )
        }
    }

    @Test("POST /v1/passkeys/registration is 201 {passkey:{id,name,createdAt}}; the passkey is stored", arguments: StoreKind.allCases)
    func registration(store: StoreKind) async throws {
        let harness = try Self.harness(store: store)
        let account = try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            var laptop = SoftwareAuthenticator(.es256)
            let named = try await Self.register(client, token: token, &laptop, name: "Laptop")
            #expect(named.status == .created, "\(named.text)")
            #expect(Set(named.object.keys) == ["passkey"])
            let passkey = named.object[object: "passkey"]
            #expect(Set(passkey.keys) == ["id", "name", "createdAt"])
            #expect(passkey["name"] as? String == "Laptop")
            #expect(passkey["createdAt"] as? String == Self.iso(harness.clock.now()))
            var phone = SoftwareAuthenticator(.edDSA)
            let unnamed = try await Self.register(client, token: token, &phone)
            #expect(unnamed.status == .created, "\(unnamed.text)")
            #expect(unnamed.object[object: "passkey"]["name"] as? String == "Passkey")

            let stored = try await harness.accounts.passkeys(ofAccount: account.accountID)
            #expect(stored.map(\.id) == [passkey["id"] as? String, unnamed.object[object: "passkey"]["id"] as? String])
            #expect(stored.map(\.credentialID) == [laptop.credentialID, phone.credentialID])
        }
    }

    @Test("A registration refused by a check is 401 PasskeyFailed with the check as detail; a malformed one 400 InvalidRequest credential")
    func registrationRefusals() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            var authenticator = SoftwareAuthenticator()
            let origin = try await Self.register(client, token: token, &authenticator, Tampering(origin: "https://evil.example"))
            AccountFlowRoutesTests.expectError(origin, .unauthorized, "PasskeyFailed")
            Self.expectDetail(origin, "origin")
            let packed = try await Self.register(client, token: token, &authenticator, Tampering(attestation: .packed))
            AccountFlowRoutesTests.expectError(packed, .unauthorized, "PasskeyFailed")
            Self.expectDetail(packed, "attestation")
            let type = try await Self.register(client, token: token, &authenticator, Tampering(credentialType: "password"))
            AccountFlowRoutesTests.expectError(type, .badRequest, "InvalidRequest")
            Self.expectDetail(type, "credential")
            let name = try await Self.register(client, token: token, &authenticator, name: String(repeating: "n", count: 65))
            AccountFlowRoutesTests.expectError(name, .badRequest, "InvalidRequest")
            Self.expectDetail(name, "name")
            #expect(try await Self.register(client, token: token, &authenticator).status == .created)
            let taken = try await Self.register(client, token: token, &authenticator)
            AccountFlowRoutesTests.expectError(taken, .conflict, "Conflict")
            Self.expectDetail(taken, "passkey_taken")
            // Not a credential at all.
            let shapeless = try await client.send(.post, "/v1/passkeys/registration", .bearer(token), json: #"{"id":"AAAA"}"#)
            AccountFlowRoutesTests.expectError(shapeless, .badRequest, "InvalidRequest")
        }
    }

    // MARK: Login

    @Test("POST /v1/passkeys/authentication/options: no body or {} gives discoverable options; {username} names its passkeys")
    func authenticationOptions() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: try await client.token(), &authenticator).status == .created)

            for body in [nil, "{}", #"{"username":"nobody"}"#] {
                let options = try await client.send(.post, "/v1/passkeys/authentication/options", json: body)
                #expect(options.status == .ok, "\(body ?? "no body"): \(options.text)")
                #expect(Set(options.object.keys) == ["challenge", "timeout", "rpId", "allowCredentials", "userVerification"])
                #expect(options.object["rpId"] as? String == "example.com")
                #expect(options.object["timeout"] as? Int == 300_000)
                #expect(options.object["userVerification"] as? String == "required")
                #expect(Self.canonical(options.object["allowCredentials"]) == "[]")
                #expect(SoftwareAuthenticator.decode(options.object["challenge"] as? String ?? "")?.count == 32)
            }
            let named = try await client.send(.post, "/v1/passkeys/authentication/options", json: #"{"username":"alice"}"#)
            #expect(named.status == .ok)
            #expect(
                Self.canonical(named.object["allowCredentials"])
                    == Self.canonical(json: #"[{"type":"public-key","id":"\#(authenticator.encodedCredentialID)"}]"#)
            )
        }
    }

    @Test("POST /v1/passkeys/authentication is answered like POST /v1/login", arguments: ["bearer", "cookie"])
    func login(transport: String) async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: try await client.token(), &authenticator).status == .created)
            let headers: HTTPFields = [.transport: transport]
            let password = try await client.logIn(headers: headers)
            let passkey = try await client.send(
                .post,
                "/v1/passkeys/authentication",
                json: try await Self.assertion(client, &authenticator),
                headers: headers
            )
            #expect(passkey.status == .ok, "\(passkey.text)")
            #expect(Set(passkey.object.keys) == Set(password.object.keys))
            #expect(Set(passkey.object[object: "session"].keys) == Set(password.object[object: "session"].keys))
            #expect(Set(passkey.object[object: "account"].keys) == Set(password.object[object: "account"].keys))
            #expect((passkey.headers[.authToken] == nil) == (password.headers[.authToken] == nil))
            #expect(passkey.sessionCookies.count == password.sessionCookies.count)
            #expect(passkey.object[object: "session"]["authenticationMethods"] as? [String] == ["passkey"])
            #expect(passkey.object[object: "account"]["username"] as? String == "alice")

            let me: TestResponse
            if transport == "bearer" {
                #expect(Set(passkey.object.keys) == ["authToken", "session", "account"])
                #expect(passkey.sessionCookies.isEmpty)
                let token = try #require(passkey.object["authToken"] as? String)
                #expect(passkey.headers[.authToken] == token)
                me = try await client.send(.get, "/v1/me", .bearer(token))
            } else {
                #expect(Set(passkey.object.keys) == ["session", "account"])
                #expect(passkey.headers[.authToken] == nil)
                let token = try #require(passkey.cookieToken)
                #expect(!token.isEmpty)
                me = try await client.send(.get, "/v1/me", .cookie(token))
            }
            #expect(me.status == .ok)
            #expect(me.object[object: "session"]["authenticationMethods"] as? [String] == ["passkey"])
        }
    }

    @Test("A passkey login with a username, the user handle left out, works")
    func loginWithUsername() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            var authenticator = SoftwareAuthenticator(.edDSA)
            #expect(try await Self.register(client, token: try await client.token(), &authenticator).status == .created)
            let assertion = try await Self.assertion(client, &authenticator, username: "alice", Tampering(userHandle: .omitted))
            #expect(!assertion.contains("userHandle"))
            let login = try await client.send(.post, "/v1/passkeys/authentication", json: assertion)
            #expect(login.status == .ok, "\(login.text)")
        }
    }

    /// A login answer spoiled one way, and the detail of its 401.
    struct LoginRefusal: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var tampering: Tampering
        var detail: String
    }

    static let loginRefusals: [LoginRefusal] = [
        .init(testDescription: "another origin", tampering: .init(origin: "https://evil.example"), detail: "origin"),
        .init(testDescription: "in a cross-origin frame", tampering: .init(crossOrigin: true, topOrigin: "https://evil.example"), detail: "origin"),
        .init(testDescription: "another rp id", tampering: .init(rpID: "evil.example"), detail: "rp_id"),
        .init(testDescription: "no user presence", tampering: .init(flags: SoftwareAuthenticator.userVerified), detail: "user_presence"),
        .init(testDescription: "no user verification", tampering: .init(flags: SoftwareAuthenticator.userPresent), detail: "user_verification"),
        .init(testDescription: "signature", tampering: .init(flipsSignatureBit: true), detail: "signature"),
        .init(
            testDescription: "unknown challenge",
            tampering: .init(challenge: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            detail: "passkey_challenge"
        ),
        .init(testDescription: "no user handle", tampering: .init(userHandle: .omitted), detail: "unknown_passkey"),
    ]

    @Test("A refused passkey login is 401 PasskeyFailed with the check as detail, and no session", arguments: loginRefusals)
    func loginRefused(refusal: LoginRefusal) async throws {
        let harness = try Self.harness()
        let account = try await harness.createAccount()
        try await harness.test { client in
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: try await client.token(), &authenticator).status == .created)
            let refused = try await client.send(
                .post,
                "/v1/passkeys/authentication",
                json: try await Self.assertion(client, &authenticator, refusal.tampering)
            )
            AccountFlowRoutesTests.expectError(refused, .unauthorized, "PasskeyFailed")
            Self.expectDetail(refused, refusal.detail)
            #expect(refused.headers[.authToken] == nil)
            #expect(refused.headers[values: .setCookie].isEmpty)
        }
        #expect(try await harness.accounts.sessions(ofAccount: account.accountID).count == 1)
    }

    @Test("A replayed assertion is 401 PasskeyFailed passkey_challenge; a malformed one 400 InvalidRequest credential")
    func replayAndMalformed() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: try await client.token(), &authenticator).status == .created)
            let assertion = try await Self.assertion(client, &authenticator)
            #expect(try await client.send(.post, "/v1/passkeys/authentication", json: assertion).status == .ok)
            let replayed = try await client.send(.post, "/v1/passkeys/authentication", json: assertion)
            AccountFlowRoutesTests.expectError(replayed, .unauthorized, "PasskeyFailed")
            Self.expectDetail(replayed, "passkey_challenge")

            let mistyped = try await client.send(
                .post,
                "/v1/passkeys/authentication",
                json: try await Self.assertion(client, &authenticator, Tampering(credentialType: "password"))
            )
            AccountFlowRoutesTests.expectError(mistyped, .badRequest, "InvalidRequest")
            Self.expectDetail(mistyped, "credential")
            for body in ["{}", #"{"id":"AAAA","rawId":"AAAA","type":"public-key"}"#, "[]"] {
                AccountFlowRoutesTests.expectError(
                    try await client.send(.post, "/v1/passkeys/authentication", json: body),
                    .badRequest,
                    "InvalidRequest"
                )
            }
        }
    }

    @Test("Login options past the address's limit are 429 TooManyAttempts with Retry-After")
    func optionsThrottled() async throws {
        let harness = try Harness(accounts: {
            $0.relyingParty = RelyingParty(id: "example.com", origins: ["https://example.com"])
            $0.passkeyLogInLimit = RateLimit(count: 2, window: .seconds(300))
        })
        try await harness.test { client in
            for _ in 0..<2 { #expect(try await client.send(.post, "/v1/passkeys/authentication/options").status == .ok) }
            let refused = try await client.send(.post, "/v1/passkeys/authentication/options", json: #"{"username":"alice"}"#)
            AccountFlowRoutesTests.expectError(refused, .tooManyRequests, "TooManyAttempts")
            #expect(refused.headers[.retryAfter].flatMap(Int.init).map { (1...300).contains($0) } == true)
        }
    }

    @Test("A passkey login from a foreign page is 403 CSRFRejected, like a password login")
    func foreignOrigin() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.live { client in
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: try await client.token(), &authenticator).status == .created)
            let assertion = try await Self.assertion(client, &authenticator)
            let refused = try await client.send(.post, "/v1/passkeys/authentication", json: assertion, headers: [.origin: "https://evil.example"])
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "CSRFRejected")
            #expect(refused.headers[values: .setCookie].isEmpty)
        }
    }

    // MARK: Listing and removal

    @Test("GET /v1/passkeys lists {passkeys:[{id,name,createdAt,lastUsedAt?}]}, oldest first; DELETE /v1/passkeys/{id} is {ok:true}, then 404")
    func listAndRemove() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let empty = try await client.send(.get, "/v1/passkeys", .bearer(token))
            #expect(empty.status == .ok)
            #expect(empty.text == #"{"passkeys":[]}"#)

            var first = SoftwareAuthenticator()
            let registered = try await Self.register(client, token: token, &first, name: "First")
            let id = try #require(registered.object[object: "passkey"]["id"] as? String)
            let createdAt = Self.iso(harness.clock.now())
            harness.clock.advance(by: .seconds(10))
            var second = SoftwareAuthenticator(.edDSA)
            #expect(try await Self.register(client, token: token, &second, name: "Second").status == .created)
            harness.clock.advance(by: .seconds(10))
            #expect(try await client.send(.post, "/v1/passkeys/authentication", json: try await Self.assertion(client, &first)).status == .ok)
            let usedAt = Self.iso(harness.clock.now())

            let listed = try await client.send(.get, "/v1/passkeys", .bearer(token))
            #expect(listed.status == .ok)
            #expect(Set(listed.object.keys) == ["passkeys"])
            let passkeys = try #require(listed.object["passkeys"] as? [[String: Any]])
            #expect(passkeys.map { $0["name"] as? String } == ["First", "Second"])
            #expect(Set(passkeys[0].keys) == ["id", "name", "createdAt", "lastUsedAt"])
            #expect(passkeys[0]["id"] as? String == id)
            #expect(passkeys[0]["createdAt"] as? String == createdAt)
            #expect(passkeys[0]["lastUsedAt"] as? String == usedAt)
            #expect(Set(passkeys[1].keys) == ["id", "name", "createdAt"])

            let deleted = try await client.send(.delete, "/v1/passkeys/\(id)", .bearer(token))
            #expect(deleted.status == .ok)
            #expect(deleted.text == AccountFlowRoutesTests.ok)
            let again = try await client.send(.delete, "/v1/passkeys/\(id)", .bearer(token))
            AccountFlowRoutesTests.expectError(again, .notFound, "PasskeyNotFound")
            AccountFlowRoutesTests.expectError(
                try await client.send(.delete, "/v1/passkeys/\(String(repeating: "A", count: 65))", .bearer(token)),
                .notFound,
                "PasskeyNotFound"
            )
            let remaining = try await client.send(.get, "/v1/passkeys", .bearer(token))
            #expect((remaining.object["passkeys"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Second"])
            // The removed passkey logs in no more.
            let gone = try await client.send(.post, "/v1/passkeys/authentication", json: try await Self.assertion(client, &first))
            AccountFlowRoutesTests.expectError(gone, .unauthorized, "PasskeyFailed")
            Self.expectDetail(gone, "unknown_passkey")
        }
    }

    @Test("Another account's passkey cannot be removed: 404 PasskeyNotFound")
    func removeAnotherAccounts() async throws {
        let harness = try Self.harness()
        try await harness.createAccount("alice")
        let bob = try await harness.createAccount("bob")
        try await harness.test { client in
            var authenticator = SoftwareAuthenticator()
            let registered = try await Self.register(client, token: try await client.token("bob"), &authenticator)
            let id = try #require(registered.object[object: "passkey"]["id"] as? String)
            let refused = try await client.send(.delete, "/v1/passkeys/\(id)", .bearer(try await client.token("alice")))
            AccountFlowRoutesTests.expectError(refused, .notFound, "PasskeyNotFound")
        }
        #expect(try await harness.accounts.passkeys(ofAccount: bob.accountID).count == 1)
    }

    // MARK: Sessions and step-up

    /// An authenticated passkey route.
    struct AuthenticatedRoute: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        /// Whether the route needs a recent authentication.
        var sensitive: Bool
        var testDescription: String { "\(method) \(path)" }
    }

    static let authenticatedRoutes = [
        AuthenticatedRoute(method: .post, path: "/v1/passkeys/registration/options", body: nil, sensitive: true),
        AuthenticatedRoute(
            method: .post,
            path: "/v1/passkeys/registration",
            body: #"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#,
            sensitive: true
        ),
        AuthenticatedRoute(method: .get, path: "/v1/passkeys", body: nil, sensitive: false),
        AuthenticatedRoute(method: .delete, path: "/v1/passkeys/01J00000000000000000000000", body: nil, sensitive: true),
    ]

    @Test("The passkey routes of an account need its session: 401 Unauthorized without one", arguments: authenticatedRoutes)
    func needsSession(route: AuthenticatedRoute) async throws {
        let harness = try Self.harness()
        try await harness.test { client in
            AccountFlowRoutesTests.expectError(try await client.send(route.method, route.path, json: route.body), .unauthorized, "Unauthorized")
        }
    }

    @Test("Adding and removing passkeys need a recent authentication: 401 ReauthenticationRequired past the window", arguments: authenticatedRoutes)
    func stepUp(route: AuthenticatedRoute) async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            harness.clock.advance(by: .seconds(601))
            let response = try await client.send(route.method, route.path, .bearer(token), json: route.body)
            if route.sensitive {
                AccountFlowRoutesTests.expectError(response, .unauthorized, "ReauthenticationRequired")
            } else {
                #expect(response.status == .ok)
            }
        }
    }

    @Test("POST /v1/reauthenticate with {passkey} renews the session in place: {session}, authenticated by passkey")
    func reauthenticate() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: token, &authenticator).status == .created)
            harness.clock.advance(by: .seconds(601))
            let refused = try await client.send(.post, "/v1/passkeys/registration/options", .bearer(token))
            AccountFlowRoutesTests.expectError(refused, .unauthorized, "ReauthenticationRequired")
            let current = refused.renewedToken ?? token

            let assertion = try await Self.assertion(client, &authenticator)
            let renewed = try await client.send(.post, "/v1/reauthenticate", .bearer(current), json: #"{"passkey":\#(assertion)}"#)
            #expect(renewed.status == .ok, "\(renewed.text)")
            #expect(Set(renewed.object.keys) == ["session"])
            #expect(renewed.object[object: "session"]["authenticationMethods"] as? [String] == ["passkey"])
            #expect(renewed.object[object: "session"]["authenticatedAt"] as? String == Self.iso(harness.clock.now()))
            var another = SoftwareAuthenticator(.edDSA)
            #expect(try await Self.register(client, token: renewed.renewedToken ?? current, &another).status == .created)
        }
    }

    @Test(
        "POST /v1/reauthenticate with a passkey and a password or a code is 400 InvalidRequest",
        arguments: [#""password":"\#(Harness.password)","#, #""code":"123456","#, #""recoveryCode":"aaaaa-bbbbb","#]
    )
    func reauthenticateWithBoth(extra: String) async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: token, &authenticator).status == .created)
            let assertion = try await Self.assertion(client, &authenticator)
            let both = try await client.send(.post, "/v1/reauthenticate", .bearer(token), json: #"{\#(extra)"passkey":\#(assertion)}"#)
            AccountFlowRoutesTests.expectError(both, .badRequest, "InvalidRequest")
        }
    }

    @Test("POST /v1/reauthenticate with another account's passkey is 401 PasskeyFailed unknown_passkey")
    func reauthenticateWithAnotherAccounts() async throws {
        let harness = try Self.harness()
        try await harness.createAccount("alice")
        try await harness.createAccount("bob")
        try await harness.test { client in
            var authenticator = SoftwareAuthenticator()
            #expect(try await Self.register(client, token: try await client.token("bob"), &authenticator).status == .created)
            let assertion = try await Self.assertion(client, &authenticator)
            let refused = try await client.send(
                .post,
                "/v1/reauthenticate",
                .bearer(try await client.token("alice")),
                json: #"{"passkey":\#(assertion)}"#
            )
            AccountFlowRoutesTests.expectError(refused, .unauthorized, "PasskeyFailed")
            Self.expectDetail(refused, "unknown_passkey")
        }
    }
}
