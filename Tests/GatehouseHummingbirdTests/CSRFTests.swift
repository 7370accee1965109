import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("CSRF protection of cookie-authenticated requests")
struct CSRFTests {
    struct Headers: Sendable, CustomTestStringConvertible {
        var fields: [(String, String)]
        var testDescription: String { fields.isEmpty ? "no Origin, no Referer" : fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") }

        var httpFields: HTTPFields {
            var headers = HTTPFields()
            for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            return headers
        }
    }

    static let configuration: GatehouseHTTPConfiguration = {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cors = .init(allowedOrigins: ["https://app.example.com"])
        return configuration
    }()

    @Test(
        "A cross-site, cookie-authenticated POST is 403 CSRFRejected and changes nothing",
        arguments: [
            Headers(fields: [("Origin", "https://evil.example")]),
            Headers(fields: [("Origin", "null")]),
            Headers(fields: []),
            Headers(fields: [("Referer", "https://evil.example/page")]),
            Headers(fields: [("Origin", "http://localhost:8081")]),
            Headers(fields: [("Origin", "https://evil.example"), ("X-Gatehouse-CSRF", "")]),
        ]
    )
    func rejected(headers: Headers) async throws {
        let harness = try Harness(http: Self.configuration)
        try await harness.createAccount()
        try await harness.test { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            let response = try await client.send(.post, "/v1/logout", .cookie(cookie), headers: headers.httpFields)
            #expect(response.status == .forbidden)
            #expect(response.errorCode == "CSRFRejected")
            #expect(response.renewedToken == nil)
            #expect(response.sessionCookies.isEmpty)
            // Neither logged out nor rotated: the same cookie is still the current token.
            let me = try await client.send(.get, "/v1/me", .cookie(cookie))
            #expect(me.status == .ok)
            #expect(me.cookieToken != nil && me.cookieToken != cookie)
        }
    }

    @Test(
        "A cookie-authenticated POST with the header, or from this site or a trusted origin, is accepted",
        arguments: [
            Headers(fields: [("X-Gatehouse-CSRF", "1")]),
            Headers(fields: [("Origin", "https://evil.example"), ("X-Gatehouse-CSRF", "1")]),
            Headers(fields: [("Origin", "http://localhost")]),
            Headers(fields: [("Origin", "HTTP://LOCALHOST:80")]),
            Headers(fields: [("Referer", "http://localhost/settings?tab=sessions")]),
            Headers(fields: [("Origin", "https://app.example.com")]),
        ]
    )
    func accepted(headers: Headers) async throws {
        let harness = try Harness(http: Self.configuration)
        try await harness.createAccount()
        try await harness.test { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            let response = try await client.send(.post, "/v1/logout", .cookie(cookie), headers: headers.httpFields)
            #expect(response.status == .ok)
            #expect(response.object["ok"] as? Bool == true)
        }
    }

    @Test("Bearer-authenticated requests need no CSRF check")
    func bearerNotChecked() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let response = try await client.send(.post, "/v1/logout", .bearer(token), headers: [.origin: "https://evil.example"])
            #expect(response.status == .ok)
        }
    }

    @Test("Safe methods are not checked", arguments: [HTTPRequest.Method.get])
    func safeMethods(method: HTTPRequest.Method) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            let response = try await client.send(method, "/v1/sessions", .cookie(cookie), headers: [.origin: "https://evil.example"])
            #expect(response.status == .ok)
        }
    }

    @Test("A DELETE by cookie from another site is rejected too")
    func crossSiteDelete() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            _ = try await client.token()
            let response = try await client.send(.delete, "/v1/sessions", .cookie(cookie), headers: [.origin: "https://evil.example"])
            #expect(response.errorCode == "CSRFRejected")
            let sessions = try await harness.accounts.sessions(
                ofAccount: try #require(try await harness.accounts.findUser(username: "alice")).accountID
            )
            #expect(sessions.count == 2)
        }
    }
}
