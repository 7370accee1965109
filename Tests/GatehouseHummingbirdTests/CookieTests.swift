import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Cookie mode")
struct CookieTests {
    @Test(
        "Login sets an HttpOnly, SameSite=Lax, Path=/ cookie; Secure unless turned off",
        arguments: [nil, true, false] as [Bool?]
    )
    func loginCookie(secure: Bool?) async throws {
        var configuration = GatehouseHTTPConfiguration()
        if let secure {
            configuration.cookie.name = "sid"
            configuration.cookie.secure = secure
        }
        let name = configuration.cookie.name
        let harness = try Harness(http: configuration)
        try await harness.createAccount()
        try await harness.test { client in
            let response = try await client.logIn()
            let cookies = response.headers[values: .setCookie].filter { $0.hasPrefix("\(name)=") }
            let cookie = try #require(cookies.first)
            #expect(cookies.count == 1)
            let attributes = Set(cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Lax"))
            #expect(attributes.contains("Path=/"))
            #expect(attributes.contains("Max-Age=604800"), "the token's seven days")
            #expect(attributes.contains("Secure") == (secure ?? true), "Secure by default, on loopback too")
            let value = cookie.split(separator: ";", maxSplits: 1).first.map { String($0.dropFirst(name.count + 1)) }
            #expect(value == response.object["authToken"] as? String)
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
                #expect(response.renewedToken == nil, "a cookie session's token is renewed in the cookie only")
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
            headers[.cookie] = "\(sessionCookieName)=not-a-valid-token"
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
            #expect(cleared.hasPrefix("\(sessionCookieName)=;"))
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
