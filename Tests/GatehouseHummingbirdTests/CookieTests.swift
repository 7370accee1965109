import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Cookie mode")
struct CookieTests {
    struct SecureCase: Sendable, CustomTestStringConvertible {
        var secure: Bool?
        var loopback: Bool
        var expected: Bool
        var testDescription: String { "secure: \(secure.map(String.init) ?? "auto"), loopback: \(loopback) → \(expected)" }
    }

    @Test(
        "Login sets an HttpOnly, SameSite=Lax, Path=/ cookie; Secure unless on loopback without TLS",
        arguments: [
            SecureCase(secure: nil, loopback: true, expected: false),
            SecureCase(secure: nil, loopback: false, expected: true),
            SecureCase(secure: true, loopback: true, expected: true),
            SecureCase(secure: false, loopback: false, expected: false),
        ]
    )
    func loginCookie(secureCase: SecureCase) async throws {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cookie.secure = secureCase.secure
        configuration.listensOnLoopbackWithoutTLS = secureCase.loopback
        let harness = try Harness(http: configuration)
        try await harness.createAccount()
        try await harness.test { client in
            let response = try await client.logIn()
            let cookie = try #require(response.sessionCookies.first)
            #expect(response.sessionCookies.count == 1)
            let attributes = Set(cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Lax"))
            #expect(attributes.contains("Path=/"))
            #expect(attributes.contains("Max-Age=604800"), "the token's seven days")
            #expect(attributes.contains("Secure") == secureCase.expected)
            #expect(response.cookieToken == response.object["authToken"] as? String)
        }
    }

    @Test("The cookie authenticates, and each renewal updates it", arguments: StoreKind.allCases)
    func renewal(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        try await harness.test { client in
            var cookie = try #require(try await client.logIn().cookieToken)
            for _ in 0..<3 {
                let response = try await client.send(.get, "/v1/me", .cookie(cookie))
                #expect(response.status == .ok)
                let renewed = try #require(response.cookieToken)
                #expect(renewed != cookie)
                #expect(response.renewedToken == renewed)
                cookie = renewed
            }
        }
    }

    @Test("Bearer wins over the cookie, and a bearer renewal leaves the cookie alone")
    func bearerWins() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let bearer = try await client.token()
            var headers = HTTPFields()
            headers[.cookie] = "gatehouse_session=not-a-valid-token"
            let response = try await client.send(.get, "/v1/me", .bearer(bearer), headers: headers)
            #expect(response.status == .ok)
            #expect(response.renewedToken != nil)
            #expect(response.sessionCookies.isEmpty)
        }
    }

    @Test("Logout with the cookie clears it")
    func logoutClears() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            let response = try await client.send(.post, "/v1/logout", .cookie(cookie), headers: [.csrf: "1"])
            #expect(response.status == .ok)
            #expect(response.renewedToken == nil)
            let cleared = try #require(response.sessionCookies.first)
            #expect(cleared.hasPrefix("gatehouse_session=;"))
            #expect(cleared.contains("Max-Age=0"))
            #expect(response.sessionCookies.count == 1)
        }
    }

    @Test("A cookie that no longer authenticates is cleared with the 401")
    func deadCookieCleared() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            _ = try await client.send(.post, "/v1/logout", .bearer(cookie))
            let response = try await client.send(.get, "/v1/me", .cookie(cookie))
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "InvalidSession")
            #expect(response.cookieToken == "")
        }
    }

    @Test("With cookie mode off, login sets no cookie and cookies are ignored")
    func cookieModeOff() async throws {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cookie.enabled = false
        let harness = try Harness(http: configuration)
        try await harness.createAccount()
        try await harness.test { client in
            let login = try await client.logIn()
            #expect(login.status == .ok)
            #expect(login.sessionCookies.isEmpty)
            let token = try #require(login.object["authToken"] as? String)
            let response = try await client.send(.get, "/v1/me", .cookie(token))
            #expect(response.errorCode == "Unauthorized")
        }
    }

    @Test("The cookie name is configurable")
    func cookieName() async throws {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cookie.name = "sid"
        let harness = try Harness(http: configuration)
        try await harness.createAccount()
        try await harness.test { client in
            let login = try await client.logIn()
            let cookie = try #require(login.headers[values: .setCookie].first)
            #expect(cookie.hasPrefix("sid="))
            let token = String(cookie.dropFirst(4).prefix { $0 != ";" })
            let response = try await client.send(.get, "/v1/me", headers: [.cookie: "sid=\(token)"])
            #expect(response.status == .ok)
            #expect(response.headers[values: .setCookie].first?.hasPrefix("sid=") == true)
        }
    }
}
