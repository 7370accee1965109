import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Errors: status codes and bodies")
struct ErrorMappingTests {
    @Test(
        "A malformed Bearer header is 401 TokenVerificationFailed",
        arguments: [
            "Bearer", "Bearer ", "bearer    ", "Bearer a b", "Bearer tok\u{7F}en", "Bearer abc,def",
            "Bearer " + String(repeating: "a", count: 5000), "Bearer abc.def.ghi", "BEARER x.y.z",
        ]
    )
    func malformedBearer(header: String) async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.send(.get, "/v1/me", headers: [.authorization: header])
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "TokenVerificationFailed")
        }
    }

    @Test("Another Authorization scheme is not a Gatehouse token: 401 Unauthorized on a protected route")
    func otherScheme() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.send(.get, "/v1/me", headers: [.authorization: "Basic YWxpY2U6c2VjcmV0"])
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "Unauthorized")
        }
    }

    @Test("Two Authorization headers are ambiguous: 401 TokenVerificationFailed")
    func twoAuthorizations() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            var headers = HTTPFields()
            headers.append(HTTPField(name: .authorization, value: "Bearer \(token)"))
            headers.append(HTTPField(name: .authorization, value: "Bearer \(token)"))
            let response = try await client.send(.get, "/v1/me", headers: headers)
            #expect(response.errorCode == "TokenVerificationFailed")
        }
    }

    @Test("A token signed with another secret is 401 TokenVerificationFailed")
    func foreignSignature() async throws {
        let other = try Harness(sessions: { $0.getTokenSecret = { _ in "a-completely-different-secret-of-some-length" } })
        try await other.createAccount()
        let foreign = try await other.test { client in try await client.token() }
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let response = try await client.send(.get, "/v1/me", .bearer(foreign))
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "TokenVerificationFailed")
            #expect(!response.text.contains(foreign))
        }
    }

    @Test("An expired token is 401 TokenVerificationFailed; an idle session is 401 SessionExpired")
    func expiry() async throws {
        let harness = try Harness(sessions: {
            $0.tokenDuration = .seconds(3600)
            $0.idleTimeout = .seconds(600)
        })
        try await harness.createAccount()
        try await harness.test { client in
            let idle = try await client.token()
            harness.clock.advance(by: 601)
            let idleResponse = try await client.send(.get, "/v1/me", .bearer(idle))
            #expect(idleResponse.status == .unauthorized)
            #expect(idleResponse.errorCode == "SessionExpired")

            let expiring = try await client.token()
            harness.clock.advance(by: 3601)
            let expired = try await client.send(.get, "/v1/me", .bearer(expiring))
            #expect(expired.status == .unauthorized)
            #expect(expired.errorCode == "TokenVerificationFailed")
        }
    }

    @Test("A changed user agent is 401 InvalidSession and does not end the session")
    func changedUserAgent() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let moved = try await client.send(.get, "/v1/me", .bearer(token), userAgent: "Other/9")
            #expect(moved.status == .unauthorized)
            #expect(moved.errorCode == "InvalidSession")
            let missing = try await client.send(.get, "/v1/me", .bearer(token), userAgent: nil)
            #expect(missing.errorCode == "InvalidSession", "a missing User-Agent is the empty string, not the bound one")
            #expect(try await client.send(.get, "/v1/me", .bearer(token)).status == .ok)
        }
    }

    @Test("A deactivated account: its tokens are refused and a login is 403 UserDeactivated")
    func deactivated() async throws {
        let harness = try Harness()
        let account = try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            try await harness.accounts.deactivateAccount(accountID: account.accountID)
            let refused = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(refused.status == .unauthorized)
            #expect(refused.errorCode == "InvalidSession")
            let login = try await client.logIn()
            #expect(login.status == .forbidden)
            #expect(login.errorCode == "UserDeactivated")
            #expect(login.renewedToken == nil)
            #expect(login.sessionCookies.isEmpty)
        }
    }

    @Test("A token whose account no longer exists is 401 UserNotFound")
    func vanishedAccount() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            harness.store.fail(.accountsVanished)
            let response = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "UserNotFound")
        }
    }

    @Test(
        "Invalid input is 400 InvalidRequest",
        arguments: [
            #"{"username":"alice","email":"alice@example.com""#,
            #"{"username":"alice","email":"alice@example.com","password":1234567}"#,
            #"{"username":"alice","password":"long enough"}"#,
            #"["alice","alice@example.com","long enough"]"#,
            #"{"username":"a","email":"alice@example.com","password":"long enough"}"#,
            #"{"username":"alice","email":"not-an-address","password":"long enough"}"#,
            "",
        ]
    )
    func invalidInput(body: String) async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/accounts", rawBody: Array(body.utf8))
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "InvalidRequest")
            #expect(!response.text.contains("long enough"))
            #expect(try await harness.accounts.findUser(username: "alice") == nil)
        }
    }

    @Test(
        "A password that is short or common is 400 WeakPassword, and no account is made",
        arguments: ["tiny7", "password1", "12345678", "qwertyuiop"]
    )
    func weakPassword(password: String) async throws {
        let harness = try Harness()
        try await harness.test { client in
            let body = #"{"username":"alice","email":"alice@example.com","password":"\#(password)"}"#
            let response = try await client.send(.post, "/v1/accounts", rawBody: Array(body.utf8))
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "WeakPassword")
            #expect(!response.text.contains(password))
            #expect(try await harness.accounts.findUser(username: "alice") == nil)
        }
    }

    @Test("A body that is not UTF-8 is 400 InvalidRequest")
    func invalidUTF8() async throws {
        let harness = try Harness()
        try await harness.test { client in
            var bytes = Array(#"{"username":"alice","password":"long enough"}"#.utf8)
            bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: 14)
            let login = try await client.send(.post, "/v1/login", rawBody: bytes)
            #expect(login.status == .badRequest)
            #expect(login.errorCode == "InvalidRequest")
            // UTF-16 JSON is valid for JSONDecoder, but this API only speaks UTF-8.
            let utf16 = Array(#"{"username":"alice","password":"long enough"}"#.data(using: .utf16)!)
            let wide = try await client.send(.post, "/v1/login", rawBody: utf16)
            #expect(wide.status == .badRequest)
        }
    }

    @Test("A body over the limit is 413")
    func oversizedBody() async throws {
        var configuration = GatehouseHTTPConfiguration()
        configuration.maximumBodySize = 1024
        let harness = try Harness(http: configuration)
        try await harness.test { client in
            let padding = String(repeating: "x", count: 2000)
            let response = try await client.send(
                .post,
                "/v1/accounts",
                json: #"{"username":"alice","email":"alice@example.com","password":"long enough","pad":"\#(padding)"}"#
            )
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "PayloadTooLarge")
            #expect(try await harness.accounts.findUser(username: "alice") == nil)
        }
    }

    @Test(
        "An unreachable store is 503 StoreUnavailable",
        arguments: [
            (HTTPRequest.Method.get, "/v1/me"), (.post, "/v1/login"),
        ]
    )
    func storeUnavailable(method: HTTPRequest.Method, path: String) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            harness.store.fail(.unavailable)
            let response = try await client.send(
                method,
                path,
                path == "/v1/me" ? .bearer(token) : .none,
                json: #"{"username":"alice","password":"\#(Harness.password)"}"#
            )
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "StoreUnavailable")
        }
    }

    @Test("An unexpected failure is 500 with a generic message; the cause is only logged")
    func unexpectedFailure() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            harness.store.fail(.unexpected)
            let response = try await client.send(.get, "/v1/sessions", .bearer(token))
            #expect(response.status == .internalServerError)
            #expect(response.errorCode == "InternalError")
            #expect(response.errorMessage == "The server could not handle the request.")
            #expect(!response.text.contains("secret-path"))
            #expect(!response.text.contains("example.com"))
        }
        #expect(harness.logs.records.contains { $0.level == .error && $0.text.contains("secret-path") })
    }

    @Test("An unknown route is a JSON 404")
    func unknownRoute() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.send(.get, "/v1/nothing-here")
            #expect(response.status == .notFound)
            #expect(response.errorCode == "NotFound")
        }
    }

    @Test(
        "Every AccountError code maps to the documented status",
        arguments: [
            (AccountError.Code.unauthorized, 401), (.tokenVerificationFailed, 401), (.sessionExpired, 401), (.invalidSession, 401),
            (.tokenTheftDetected, 401), (.userNotFound, 401), (.loginFailed, 401), (.userDeactivated, 403), (.csrfRejected, 403),
            (.invalidRequest, 400), (.sessionNotFound, 404), (.conflict, 409), (.tooManyAttempts, 429), (.storeUnavailable, 503),
            (.invalidConfiguration, 500), (.hookFrozen, 500),
        ]
    )
    func statusTable(code: AccountError.Code, status: Int) {
        #expect(GatehouseHTTPError.status(for: code).code == status)
        let accountError = AccountError(code)
        let error = GatehouseHTTPError(accountError)
        #expect(error.code == code.rawValue)
        #expect(error.message == (status == 500 ? "The server could not handle the request." : accountError.message))
    }

    @Test("TooManyAttempts carries Retry-After")
    func retryAfterHeader() {
        let error = GatehouseHTTPError(AccountError.tooManyAttempts(retryAfter: 42))
        #expect(error.status == .tooManyRequests)
        #expect(error.headers[.retryAfter] == "42")
    }
}
