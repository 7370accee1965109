import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The account-flow routes over HTTP: verification, recovery, password and e-mail changes, account
/// deletion — statuses, bodies and error codes, with the messages read back from the store's outbox.
@Suite("Routes of the account flows")
struct AccountFlowRoutesTests {
    static let accountKeys: Set<String> = ["accountId", "username", "email", "emailVerified", "createdAt"]
    static let ok = #"{"ok":true}"#
    static let newPassword = "a brand new passphrase"

    // MARK: Helpers

    /// The exact body of `error`: keys in sorted order, `detail` only when the error has one.
    static func errorBody(_ error: AccountError) -> String {
        let detail = error.detail.map { #""detail":"\#($0.rawValue)","# } ?? ""
        return #"{"error":{"code":"\#(error.code.rawValue)",\#(detail)"message":"\#(error.message)"}}"#
    }

    /// Checks the error shape — `{"error":{"code","message"}}`, and `detail`, nothing else — and the code.
    static func expectError(
        _ response: TestResponse,
        _ status: HTTPResponse.Status,
        _ code: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json; charset=utf-8", sourceLocation: sourceLocation)
        #expect(Set(response.object.keys) == ["error"], "body: \(response.text)", sourceLocation: sourceLocation)
        #expect(Set(response.object[object: "error"].keys).isSubset(of: ["code", "message", "detail"]), sourceLocation: sourceLocation)
        #expect(response.errorCode == code, sourceLocation: sourceLocation)
        #expect(response.errorMessage?.isEmpty == false, sourceLocation: sourceLocation)
    }

    /// The messages in the harness's outbox, read through the store's outbox listing.
    static func outbox(_ harness: Harness, kind: String? = nil, to recipient: String? = nil) async throws -> [OutboxMessage] {
        let store = try #require(harness.store.inner as? any OutboxStore, "the harness's store keeps an outbox")
        return try await store.messages(status: nil, limit: 1_000)
            .filter { kind == nil || $0.kind == kind }
            .filter { recipient == nil || $0.recipient == recipient }
    }

    /// The token of the one message of `kind` to `recipient`.
    static func mailedToken(
        _ harness: Harness,
        _ kind: String,
        to recipient: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws
        -> String
    {
        let messages = try await outbox(harness, kind: kind, to: recipient)
        #expect(messages.count == 1, "\(messages.count) \(kind) messages to \(recipient)", sourceLocation: sourceLocation)
        let message = try #require(messages.first, sourceLocation: sourceLocation)
        let values = try #require(
            try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: String],
            sourceLocation: sourceLocation
        )
        let link = try #require(values["link"], sourceLocation: sourceLocation)
        let token = try #require(URLComponents(string: link)?.queryItems?.first { $0.name == "token" }?.value, sourceLocation: sourceLocation)
        return token
    }

    // MARK: POST /v1/verification

    @Test("POST /v1/verification answers 202 {\"ok\":true} and queues one verify_email message", arguments: StoreKind.allCases)
    func requestVerification(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let response = try await client.send(.post, "/v1/verification", .bearer(token))
            #expect(response.status == .accepted)
            #expect(response.text == Self.ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.renewedToken != nil && response.renewedToken != token, "the caller's token is renewed as on any route")
        }
        let messages = try await Self.outbox(harness)
        #expect(messages.map(\.kind) == [AccountMessage.verifyEmail])
        #expect(messages.map(\.recipient) == ["alice@example.com"])
        #expect(!(try await Self.mailedToken(harness, AccountMessage.verifyEmail, to: "alice@example.com")).isEmpty)
    }

    // MARK: POST /v1/verification/confirm

    @Test("POST /v1/verification/confirm answers the verified account; the token then is InvalidToken", arguments: StoreKind.allCases)
    func confirmVerification(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        let account = try await harness.createAccount()
        try await harness.test { client in
            let session = try await client.token()
            #expect(try await client.send(.post, "/v1/verification", .bearer(session)).status == .accepted)
            let token = try await Self.mailedToken(harness, AccountMessage.verifyEmail, to: "alice@example.com")

            let response = try await client.send(.post, "/v1/verification/confirm", json: #"{"token":"\#(token)"}"#)
            #expect(response.status == .ok)
            #expect(Set(response.object.keys) == ["account"])
            let payload = response.object[object: "account"]
            #expect(Set(payload.keys) == Self.accountKeys)
            #expect(payload["accountId"] as? String == account.accountID)
            #expect(payload["username"] as? String == "alice")
            #expect(payload["email"] as? String == "alice@example.com")
            #expect(payload["emailVerified"] as? Bool == true)
            #expect(!response.text.contains(token))

            let again = try await client.send(.post, "/v1/verification/confirm", json: #"{"token":"\#(token)"}"#)
            Self.expectError(again, .badRequest, "InvalidToken")
            #expect(again.text == Self.errorBody(.invalidToken))
        }
        #expect(try await harness.accounts.account(id: account.accountID)?.emailVerified == true)
    }

    @Test(
        "POST /v1/verification/confirm with a token that is no token answers 400 InvalidToken",
        arguments: ["", "bogus", String(repeating: "A", count: 43), String(repeating: "z", count: 5_000)]
    )
    func confirmVerificationBadToken(token: String) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/verification/confirm", json: #"{"token":"\#(token)"}"#)
            Self.expectError(response, .badRequest, "InvalidToken")
            #expect(response.text == Self.errorBody(.invalidToken))
        }
    }

    // MARK: POST /v1/recovery

    @Test("POST /v1/recovery answers byte for byte the same for a known address, an unknown one and a non-address")
    func recoveryRevealsNothing() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            var answers: [TestResponse] = []
            for email in ["alice@example.com", "nobody@example.com", "Alice@Example.com", "not an address"] {
                answers.append(try await client.send(.post, "/v1/recovery", json: #"{"email":"\#(email)"}"#))
            }
            for answer in answers {
                #expect(answer.status == .accepted)
                #expect(Array(answer.body.readableBytesView) == Array(Self.ok.utf8))
                #expect(answer.headers == answers[0].headers)
            }
        }
        let messages = try await Self.outbox(harness)
        #expect(messages.map(\.kind) == [AccountMessage.resetPassword, AccountMessage.resetPassword])
        #expect(messages.map(\.recipient) == ["alice@example.com", "alice@example.com"])
    }

    @Test("POST /v1/recovery over the per-address limit answers 429 with Retry-After for known and unknown addresses alike")
    func recoveryLimit() async throws {
        let harness = try Harness(accounts: { $0.messageLimitPerEmail = RateLimit(count: 1, window: .seconds(600)) })
        try await harness.createAccount()
        try await harness.test { client in
            for email in ["alice@example.com", "nobody@example.com"] {
                #expect(try await client.send(.post, "/v1/recovery", json: #"{"email":"\#(email)"}"#).status == .accepted)
            }
            harness.clock.advance(by: 100)
            var refusals: [TestResponse] = []
            for email in ["alice@example.com", "nobody@example.com"] {
                refusals.append(try await client.send(.post, "/v1/recovery", json: #"{"email":"\#(email)"}"#))
            }
            for refusal in refusals {
                Self.expectError(refusal, .tooManyRequests, "TooManyAttempts")
                #expect(refusal.headers[.retryAfter] == "500")
            }
            #expect(refusals[0].text == refusals[1].text)
        }
        #expect(try await Self.outbox(harness).count == 1)
    }

    // MARK: POST /v1/recovery/confirm

    @Test("POST /v1/recovery/confirm sets the password and ends every session of the account", arguments: StoreKind.allCases)
    func confirmRecovery(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        try await harness.createAccount("bob")
        try await harness.test { client in
            let sessions = [try await client.token(), try await client.token(userAgent: "Phone/2")]
            let bob = try await client.token("bob")
            #expect(try await client.send(.post, "/v1/recovery", json: #"{"email":"alice@example.com"}"#).status == .accepted)
            let token = try await Self.mailedToken(harness, AccountMessage.resetPassword, to: "alice@example.com")

            let body = #"{"token":"\#(token)","password":"\#(Self.newPassword)"}"#
            let response = try await client.send(.post, "/v1/recovery/confirm", json: body)
            #expect(response.status == .ok)
            #expect(response.text == Self.ok)
            #expect(!response.text.contains(token))

            for (session, userAgent) in zip(sessions, [Harness.userAgent, "Phone/2"]) {
                let me = try await client.send(.get, "/v1/me", .bearer(session), userAgent: userAgent)
                Self.expectError(me, .unauthorized, "InvalidSession")
            }
            #expect(try await client.send(.get, "/v1/me", .bearer(bob)).status == .ok, "another account's session goes on")
            Self.expectError(try await client.logIn(), .unauthorized, "LoginFailed")
            #expect(try await client.logIn(password: Self.newPassword).status == .ok)

            let replay = try await client.send(.post, "/v1/recovery/confirm", json: body)
            Self.expectError(replay, .badRequest, "InvalidToken")
            #expect(replay.text == Self.errorBody(.invalidToken))
        }
    }

    @Test("POST /v1/recovery/confirm with a weak password answers 400 WeakPassword and keeps the token")
    func confirmRecoveryWeakPassword() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            #expect(try await client.send(.post, "/v1/recovery", json: #"{"email":"alice@example.com"}"#).status == .accepted)
            let token = try await Self.mailedToken(harness, AccountMessage.resetPassword, to: "alice@example.com")
            for (weak, detail) in [("short", AccountError.Detail.passwordTooShort), ("Password1", .commonPassword)] {
                let response = try await client.send(.post, "/v1/recovery/confirm", json: #"{"token":"\#(token)","password":"\#(weak)"}"#)
                Self.expectError(response, .badRequest, "WeakPassword")
                #expect(response.text == Self.errorBody(.weakPassword(detail)))
            }
            #expect(try await client.logIn().status == .ok, "the password did not change")
            let strong = try await client.send(.post, "/v1/recovery/confirm", json: #"{"token":"\#(token)","password":"\#(Self.newPassword)"}"#)
            #expect(strong.status == .ok)
        }
    }

    @Test("POST /v1/recovery/confirm with an unknown token answers 400 InvalidToken")
    func confirmRecoveryBadToken() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let response = try await client.send(
                .post,
                "/v1/recovery/confirm",
                json: #"{"token":"no-such-token-at-all","password":"\#(Self.newPassword)"}"#
            )
            Self.expectError(response, .badRequest, "InvalidToken")
            #expect(try await client.logIn().status == .ok)
        }
    }

    @Test("POST /v1/recovery/confirm from a browser signed in to that account clears its cookie")
    func confirmRecoveryClearsOwnCookie() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let session = try await client.token()
            #expect(try await client.send(.post, "/v1/recovery", json: #"{"email":"alice@example.com"}"#).status == .accepted)
            let token = try await Self.mailedToken(harness, AccountMessage.resetPassword, to: "alice@example.com")
            let response = try await client.send(
                .post,
                "/v1/recovery/confirm",
                .cookie(session),
                json: #"{"token":"\#(token)","password":"\#(Self.newPassword)"}"#,
                headers: [.csrf: "1"]
            )
            #expect(response.status == .ok)
            #expect(response.cookieToken == "", "the ended session's cookie is cleared")
            #expect(response.renewedToken == nil)
        }
    }

    // MARK: POST /v1/password

    @Test("POST /v1/password answers a renewed token, ends the other sessions and keeps the caller's", arguments: StoreKind.allCases)
    func changePassword(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        try await harness.test { client in
            let other = try await client.token(userAgent: "Phone/2")
            let mine = try await client.token()
            let body = #"{"currentPassword":"\#(Harness.password)","newPassword":"\#(Self.newPassword)"}"#
            let response = try await client.send(.post, "/v1/password", .bearer(mine), json: body)
            #expect(response.status == .ok)
            #expect(Set(response.object.keys) == ["authToken", "expiresAt"])
            let renewed = try #require(response.object["authToken"] as? String)
            #expect(renewed != mine)
            #expect(response.renewedToken == renewed)
            #expect(response.object["expiresAt"] as? String == "2023-11-21T22:13:20Z")
            #expect(!response.text.contains(Self.newPassword))

            #expect(try await client.send(.get, "/v1/me", .bearer(renewed)).status == .ok)
            Self.expectError(try await client.send(.get, "/v1/me", .bearer(other), userAgent: "Phone/2"), .unauthorized, "InvalidSession")
            Self.expectError(try await client.logIn(), .unauthorized, "LoginFailed")
            #expect(try await client.logIn(password: Self.newPassword).status == .ok)
        }
    }

    @Test("POST /v1/password from a cookie session renews the cookie and keeps the token out of the body")
    func changePasswordWithCookie() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let mine = try await client.token()
            let body = #"{"currentPassword":"\#(Harness.password)","newPassword":"\#(Self.newPassword)"}"#
            let response = try await client.send(.post, "/v1/password", .cookie(mine), json: body, headers: [.csrf: "1"])
            #expect(response.status == .ok)
            #expect(Set(response.object.keys) == ["expiresAt"])
            #expect(response.renewedToken == nil)
            let cookie = try #require(response.cookieToken)
            #expect(!cookie.isEmpty && cookie != mine)
            #expect(try await client.send(.get, "/v1/me", .cookie(cookie)).status == .ok)
        }
    }

    @Test(
        "POST /v1/password refuses a wrong current password (401) and a weak new one (400)",
        arguments: [
            (#"{"currentPassword":"not my password","newPassword":"a brand new passphrase"}"#, "LoginFailed"),
            (#"{"currentPassword":"correct horse battery","newPassword":"short"}"#, "WeakPassword"),
            (#"{"currentPassword":"correct horse battery","newPassword":"iloveyou"}"#, "WeakPassword"),
        ]
    )
    func changePasswordRefused(body: String, code: String) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let other = try await client.token(userAgent: "Phone/2")
            let mine = try await client.token()
            let response = try await client.send(.post, "/v1/password", .bearer(mine), json: body)
            Self.expectError(response, code == "LoginFailed" ? .unauthorized : .badRequest, code)
            let renewed = try #require(response.renewedToken, "the caller's session goes on")
            #expect(try await client.send(.get, "/v1/me", .bearer(renewed)).status == .ok)
            #expect(try await client.send(.get, "/v1/me", .bearer(other), userAgent: "Phone/2").status == .ok)
            #expect(try await client.logIn().status == .ok)
        }
    }

    @Test("A lost response to POST /v1/password is recovered like any lost response, not taken for theft")
    func changePasswordLostResponse() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let mine = try await client.token()
            let body = #"{"currentPassword":"\#(Harness.password)","newPassword":"\#(Self.newPassword)"}"#
            // The response, with its new token, never reaches the client.
            #expect(try await client.send(.post, "/v1/password", .bearer(mine), json: body).status == .ok)
            harness.passGracePeriod()
            let retry = try await client.send(.get, "/v1/me", .bearer(mine))
            #expect(retry.status == .ok)
            #expect(retry.errorCode == nil)
            #expect(retry.renewedToken != nil)
        }
    }

    // MARK: POST /v1/email

    @Test("POST /v1/email answers 202 and the confirmation link switches the address", arguments: StoreKind.allCases)
    func changeEmail(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        let account = try await harness.createAccount()
        try await harness.test { client in
            let session = try await client.token()
            let response = try await client.send(
                .post,
                "/v1/email",
                .bearer(session),
                json: #"{"email":"alice.new@example.com","password":"\#(Harness.password)"}"#
            )
            #expect(response.status == .accepted)
            #expect(response.text == Self.ok)

            let notices = try await Self.outbox(harness, kind: AccountMessage.emailChangeRequested, to: "alice@example.com")
            #expect(notices.count == 1)
            #expect(!(notices.first?.payload.contains("token=") ?? true), "the notice to the old address carries no link")
            let token = try await Self.mailedToken(harness, AccountMessage.confirmEmailChange, to: "alice.new@example.com")
            #expect(try await Self.outbox(harness).count == 2)

            let confirmed = try await client.send(.post, "/v1/verification/confirm", json: #"{"token":"\#(token)"}"#)
            #expect(confirmed.status == .ok)
            #expect(confirmed.object[object: "account"]["email"] as? String == "alice.new@example.com")
            #expect(confirmed.object[object: "account"]["emailVerified"] as? Bool == true)
            #expect(confirmed.object[object: "account"]["accountId"] as? String == account.accountID)
        }
        #expect(try await harness.accounts.account(id: account.accountID)?.email == "alice.new@example.com")
    }

    @Test(
        "POST /v1/email refuses a wrong password (401) and a non-address (400), and answers a taken address like success",
        arguments: [
            (#"{"email":"alice.new@example.com","password":"not my password"}"#, 401, "LoginFailed"),
            (#"{"email":"not an address","password":"correct horse battery"}"#, 400, "InvalidRequest"),
            (#"{"email":"bob@example.com","password":"correct horse battery"}"#, 202, ""),
        ]
    )
    func changeEmailRefused(refusal: (body: String, status: Int, code: String)) async throws {
        let (body, status, code) = refusal
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.createAccount("bob")
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/email", .bearer(try await client.token()), json: body)
            if code.isEmpty {
                #expect(response.status.code == status)
                #expect(response.text == Self.ok)
            } else {
                Self.expectError(response, HTTPResponse.Status(code: status), code)
                #expect(response.status.code == status)
            }
        }
        #expect(try await Self.outbox(harness).isEmpty)
    }

    // MARK: DELETE /v1/accounts/me

    @Test("DELETE /v1/accounts/me deletes the account, ends its sessions and frees its username", arguments: StoreKind.allCases)
    func deleteAccount(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        let account = try await harness.createAccount()
        try await harness.test { client in
            let other = try await client.token(userAgent: "Phone/2")
            var mine = try await client.token()
            let verification = try await client.send(.post, "/v1/verification", .bearer(mine))
            #expect(verification.status == .accepted)
            mine = try #require(verification.renewedToken)
            #expect(try await Self.outbox(harness).count == 1)
            let response = try await client.send(.delete, "/v1/accounts/me", .bearer(mine), json: #"{"password":"\#(Harness.password)"}"#)
            #expect(response.status == .ok)
            #expect(response.text == Self.ok)
            #expect(response.renewedToken == nil, "no token for a session that ended")
            #expect(response.cookieToken == "")
            #expect(try await Self.outbox(harness).isEmpty, "the account's unsent message went with it")

            for (token, userAgent) in [(mine, Harness.userAgent), (other, "Phone/2")] {
                Self.expectError(try await client.send(.get, "/v1/me", .bearer(token), userAgent: userAgent), .notFound, "SessionNotFound")
            }
            Self.expectError(try await client.logIn(), .unauthorized, "LoginFailed")
            #expect(try await client.signUp().status == .created, "the username and the address are free again")
            #expect(try await client.logIn().status == .ok)
        }
        #expect(try await harness.accounts.account(id: account.accountID) == nil)
    }

    @Test("DELETE /v1/accounts/me with the wrong password answers 401 LoginFailed and deletes nothing")
    func deleteAccountWrongPassword() async throws {
        let harness = try Harness()
        let account = try await harness.createAccount()
        try await harness.test { client in
            let mine = try await client.token()
            let response = try await client.send(.delete, "/v1/accounts/me", .bearer(mine), json: #"{"password":"not my password"}"#)
            Self.expectError(response, .unauthorized, "LoginFailed")
            #expect(response.text == Self.errorBody(.loginFailed))
            let renewed = try #require(response.renewedToken)
            #expect(try await client.send(.get, "/v1/me", .bearer(renewed)).status == .ok)
        }
        #expect(try await harness.accounts.account(id: account.accountID) != nil)
    }

    // MARK: Refusals common to the routes

    @Test(
        "Routes of the account flows that need a session answer 401 Unauthorized without a token",
        arguments: [
            (HTTPRequest.Method.post, "/v1/verification", nil),
            (.post, "/v1/password", #"{"currentPassword":"correct horse battery","newPassword":"a brand new passphrase"}"#),
            (.post, "/v1/email", #"{"email":"new@example.com","password":"correct horse battery"}"#),
            (.delete, "/v1/accounts/me", #"{"password":"correct horse battery"}"#),
        ] as [(HTTPRequest.Method, String, String?)]
    )
    func needsASession(route: (method: HTTPRequest.Method, path: String, body: String?)) async throws {
        let harness = try Harness()
        let account = try await harness.createAccount()
        try await harness.test { client in
            let response = try await client.send(route.method, route.path, json: route.body)
            Self.expectError(response, .unauthorized, "Unauthorized")
            #expect(response.text == Self.errorBody(.unauthorized))
        }
        #expect(try await Self.outbox(harness).isEmpty)
        #expect(try await harness.accounts.account(id: account.accountID) != nil)
        #expect(
            try await harness.accounts.logIn(username: "alice", password: Harness.password, client: ConnectionInfo(ip: "", userAgent: "x")).accountID
                == account.accountID
        )
    }

    static let bodyRoutes: [(HTTPRequest.Method, String, Bool)] = [
        (.post, "/v1/verification/confirm", false), (.post, "/v1/recovery", false), (.post, "/v1/recovery/confirm", false),
        (.post, "/v1/password", true), (.post, "/v1/email", true), (.delete, "/v1/accounts/me", true),
    ]

    @Test(
        "A malformed or mistyped JSON body answers 400 InvalidRequest in the error shape",
        arguments: bodyRoutes,
        [#"{"#, "not json", "[]", #"{"token":1,"email":2,"password":3,"currentPassword":4,"newPassword":5}"#, "{}", ""]
    )
    func malformedBody(route: (HTTPRequest.Method, String, Bool), body: String) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let credential: Credential = route.2 ? .bearer(try await client.token()) : .none
            let response = try await client.send(route.0, route.1, credential, rawBody: Array(body.utf8))
            Self.expectError(response, .badRequest, "InvalidRequest")
            #expect(response.errorMessage?.hasPrefix("The request is not valid.") == true)
        }
        #expect(try await Self.outbox(harness).isEmpty)
    }

    @Test("A body that is not declared JSON answers 415 UnsupportedMediaType", arguments: bodyRoutes)
    func notJSON(route: (HTTPRequest.Method, String, Bool)) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            var headers: HTTPFields = [.userAgent: Harness.userAgent, .contentType: "text/plain"]
            if route.2 { headers[.authorization] = "Bearer \(try await client.token())" }
            let body = ByteBuffer(bytes: Array(#"{"email":"alice@example.com","token":"x","password":"y"}"#.utf8))
            let response = try await client.execute(uri: route.1, method: route.0, headers: headers, body: body)
            Self.expectError(response, .unsupportedMediaType, "UnsupportedMediaType")
        }
        #expect(try await Self.outbox(harness).isEmpty)
    }

    // MARK: requiresVerifiedEmail

    @Test("With requiresVerifiedEmail, login answers 403 EmailNotVerified until the address is confirmed")
    func loginNeedsAVerifiedAddress() async throws {
        let harness = try Harness(accounts: { options in
            options.requiresVerifiedEmail = true
            options.sendsVerificationOnSignUp = true
        })
        try await harness.test { client in
            #expect(try await client.signUp().status == .created)
            let refused = try await client.logIn()
            Self.expectError(refused, .forbidden, "EmailNotVerified")
            #expect(refused.text == Self.errorBody(.emailNotVerified))
            #expect(refused.renewedToken == nil && refused.sessionCookies.isEmpty)
            Self.expectError(try await client.logIn(password: "not my password"), .unauthorized, "LoginFailed")

            let token = try await Self.mailedToken(harness, AccountMessage.verifyEmail, to: "alice@example.com")
            #expect(try await client.send(.post, "/v1/verification/confirm", json: #"{"token":"\#(token)"}"#).status == .ok)
            let login = try await client.logIn()
            #expect(login.status == .ok)
            #expect(login.object[object: "account"]["emailVerified"] as? Bool == true)
        }
    }

    // MARK: A real listener

    @Test("Every account-flow route over a real socket, in the order a user meets them")
    func liveWalkthrough() async throws {
        let harness = try Harness(accounts: { $0.sendsVerificationOnSignUp = true })
        try await harness.live { client in
            #expect(client.port != nil && client.port != 0)
            #expect(try await client.signUp().status == .created)
            let verification = try await Self.mailedToken(harness, AccountMessage.verifyEmail, to: "alice@example.com")
            let confirmed = try await client.send(.post, "/v1/verification/confirm", json: #"{"token":"\#(verification)"}"#)
            #expect(confirmed.status == .ok)
            #expect(confirmed.object[object: "account"]["emailVerified"] as? Bool == true)

            var session = try await client.token()
            let again = try await client.send(.post, "/v1/verification", .bearer(session))
            #expect(again.status == .accepted && again.text == Self.ok)
            session = try #require(again.renewedToken)
            #expect(try await Self.outbox(harness, kind: AccountMessage.verifyEmail).count == 1, "a verified address gets no second message")

            let known = try await client.send(.post, "/v1/recovery", json: #"{"email":"alice@example.com"}"#)
            let unknown = try await client.send(.post, "/v1/recovery", json: #"{"email":"nobody@example.com"}"#)
            #expect(known.status == .accepted && unknown.status == .accepted)
            #expect(Array(known.body.readableBytesView) == Array(unknown.body.readableBytesView))
            #expect(known.headers[.contentType] == unknown.headers[.contentType])
            #expect(known.headers[.contentLength] == unknown.headers[.contentLength])
            let reset = try await Self.mailedToken(harness, AccountMessage.resetPassword, to: "alice@example.com")
            let recovered = try await client.send(.post, "/v1/recovery/confirm", json: #"{"token":"\#(reset)","password":"\#(Self.newPassword)"}"#)
            #expect(recovered.status == .ok && recovered.text == Self.ok)
            Self.expectError(try await client.send(.get, "/v1/me", .bearer(session)), .unauthorized, "InvalidSession")

            session = try await client.token("alice", password: Self.newPassword)
            let changed = try await client.send(
                .post,
                "/v1/password",
                .bearer(session),
                json: #"{"currentPassword":"\#(Self.newPassword)","newPassword":"another new passphrase"}"#
            )
            #expect(changed.status == .ok)
            session = try #require(changed.object["authToken"] as? String)

            let email = try await client.send(
                .post,
                "/v1/email",
                .bearer(session),
                json: #"{"email":"alice.new@example.com","password":"another new passphrase"}"#
            )
            #expect(email.status == .accepted && email.text == Self.ok)
            session = try #require(email.renewedToken)
            let change = try await Self.mailedToken(harness, AccountMessage.confirmEmailChange, to: "alice.new@example.com")
            let switched = try await client.send(.post, "/v1/verification/confirm", json: #"{"token":"\#(change)"}"#)
            #expect(switched.object[object: "account"]["email"] as? String == "alice.new@example.com")

            let deleted = try await client.send(.delete, "/v1/accounts/me", .bearer(session), json: #"{"password":"another new passphrase"}"#)
            #expect(deleted.status == .ok && deleted.text == Self.ok)
            Self.expectError(try await client.logIn(password: "another new passphrase"), .unauthorized, "LoginFailed")
        }
    }
}

extension TestClientProtocol {
    /// Logs in with `password` and returns the token, failing the test when the login fails.
    fileprivate func token(_ username: String, password: String) async throws -> String {
        let response = try await logIn(username, password: password)
        #expect(response.status == .ok)
        return try #require(response.object["authToken"] as? String)
    }
}
