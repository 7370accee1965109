import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The session cookie's defaults: named `__Host-gatehouse`, so browsers only accept it `Secure`, with
/// `Path=/` and no `Domain` (a sibling subdomain cannot plant one), and `Secure` on loopback too.
@Suite("Session cookie defaults")
struct CookieDefaultsTests {
    /// The name and attributes of a `Set-Cookie` value.
    struct SetCookie {
        var name: String
        var value: String
        var attributes: [String: String]

        init(_ header: String) {
            let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let pair = parts.first ?? ""
            name = String(pair.prefix { $0 != "=" })
            value = String(pair.drop { $0 != "=" }.dropFirst())
            var attributes: [String: String] = [:]
            for attribute in parts.dropFirst() {
                let key = attribute.prefix { $0 != "=" }.lowercased()
                attributes[key] = String(attribute.drop { $0 != "=" }.dropFirst())
            }
            self.attributes = attributes
        }

        /// What a browser requires of a `__Host-` cookie.
        var isValidHostCookie: Bool {
            name.hasPrefix("__Host-") && attributes["secure"] != nil && attributes["path"] == "/" && attributes["domain"] == nil
        }
    }

    @Test("The defaults: __Host-gatehouse, Secure, Path=/")
    func configurationDefaults() {
        let cookie = GatehouseHTTPConfiguration().cookie
        #expect(cookie.name == "__Host-gatehouse")
        #expect(cookie.secure)
        #expect(cookie.path == "/")
        #expect(cookie.httpOnly)
        #expect(cookie.sameSite == .lax)
    }

    @Test("On a loopback server, login, renewal and logout set a valid __Host- cookie: Secure, Path=/, no Domain")
    func overLoopback() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn()
            #expect(login.status == .ok)
            let set = try #require(login.headers[values: .setCookie].first.map(SetCookie.init))
            #expect(login.headers[values: .setCookie].count == 1)
            #expect(set.name == "__Host-gatehouse")
            #expect(set.isValidHostCookie)
            #expect(set.attributes["httponly"] != nil)
            #expect(set.attributes["samesite"] == "Lax")
            #expect(set.value == login.object["authToken"] as? String)

            let me = try await client.send(.get, "/v1/me", headers: [.cookie: "__Host-gatehouse=\(set.value)"])
            #expect(me.status == .ok, "the cookie authenticates under its __Host- name")
            let renewed = try #require(me.headers[values: .setCookie].first.map(SetCookie.init))
            #expect(renewed.name == "__Host-gatehouse" && renewed.isValidHostCookie)
            #expect(!renewed.value.isEmpty && renewed.value != set.value)

            let logout = try await client.send(.post, "/v1/logout", headers: [.cookie: "__Host-gatehouse=\(renewed.value)", .csrf: "1"])
            #expect(logout.status == .ok)
            let cleared = try #require(logout.headers[values: .setCookie].first.map(SetCookie.init))
            #expect(cleared.name == "__Host-gatehouse" && cleared.isValidHostCookie, "a browser only clears it with the same attributes")
            #expect(cleared.value.isEmpty && cleared.attributes["max-age"] == "0")
        }
    }
}
