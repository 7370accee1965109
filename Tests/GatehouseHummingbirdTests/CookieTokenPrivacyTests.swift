import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// A session held in the `HttpOnly` cookie gets its renewed tokens in `Set-Cookie` only: never in a
/// header or a body a script on the page could read. A bearer session gets them in `Auth-Token` and in
/// the refresh body.
@Suite("Renewed tokens of a cookie session")
struct CookieTokenPrivacyTests {
    @Test("A request authenticated by the cookie gets its renewal in Set-Cookie only")
    func renewalByCookie() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.live { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            let me = try await client.send(.get, "/v1/me", .cookie(cookie))
            #expect(me.status == .ok)
            let renewed = try #require(me.cookieToken)
            #expect(!renewed.isEmpty && renewed != cookie)
            #expect(me.headers[.authToken] == nil, "no Auth-Token header for a cookie session")
            #expect(!me.text.contains(renewed))
            #expect(try await client.send(.get, "/v1/me", .cookie(renewed)).status == .ok, "the new cookie works")
        }
    }

    @Test("POST /v1/refresh by cookie answers {\"expiresAt\"} and the cookie, under either renewal policy", arguments: [false, true])
    func refreshByCookie(intervalPolicy: Bool) async throws {
        let harness = try Harness(sessions: { if intervalPolicy { $0.renewal = .olderThan(.seconds(3_600)) } })
        try await harness.createAccount()
        try await harness.live { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            let refresh = try await client.send(.post, "/v1/refresh", .cookie(cookie), headers: [.csrf: "1"])
            #expect(refresh.status == .ok)
            #expect(Set(refresh.object.keys) == ["expiresAt"], "no authToken in the body")
            let renewed = try #require(refresh.cookieToken)
            #expect(!renewed.isEmpty && renewed != cookie)
            #expect(refresh.headers[.authToken] == nil)
            #expect(!refresh.text.contains(renewed))
            let expiresAt = try #require((refresh.object["expiresAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(expiresAt == harness.clock.now().addingTimeInterval(7 * 86_400), "the renewed token's expiry")
            #expect(try await client.send(.get, "/v1/me", .cookie(renewed)).status == .ok)
        }
    }

    @Test("POST /v1/refresh with a bearer token answers the token in the body and in Auth-Token, and sets no cookie", arguments: [false, true])
    func refreshByBearer(intervalPolicy: Bool) async throws {
        let harness = try Harness(sessions: { if intervalPolicy { $0.renewal = .olderThan(.seconds(3_600)) } })
        try await harness.createAccount()
        try await harness.live { client in
            let token = try await client.token()
            let refresh = try await client.send(.post, "/v1/refresh", .bearer(token))
            #expect(refresh.status == .ok)
            #expect(Set(refresh.object.keys) == ["authToken", "expiresAt"])
            let renewed = try #require(refresh.object["authToken"] as? String)
            #expect(renewed != token)
            #expect(refresh.headers[.authToken] == renewed)
            #expect(refresh.sessionCookies.isEmpty)
            #expect(try await client.send(.get, "/v1/me", .bearer(renewed)).status == .ok)
        }
    }
}
