import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("A real server on 127.0.0.1")
struct LiveServerTests {
    @Test("Sign up, log in, call /v1/me, log out over a socket", arguments: StoreKind.allCases)
    func walkthrough(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.app.test(.live) { client in
            #expect(client.port != nil && client.port != 0)
            let health = try await client.send(.get, "/health")
            #expect(health.object as? [String: String] == ["status": "ok"])

            #expect(try await client.signUp().status == .created)
            let login = try await client.logIn()
            #expect(login.status == .ok)
            let token = try #require(login.object["authToken"] as? String)
            #expect(login.object[object: "session"]["ip"] as? String == "127.0.0.1", "the IP comes from the socket")

            let me = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(me.status == .ok)
            #expect(me.object[object: "account"]["username"] as? String == "alice")
            let renewed = try #require(me.renewedToken)

            let cookieMe = try await client.send(.get, "/v1/me", .cookie(renewed))
            #expect(cookieMe.status == .ok)
            let cookie = try #require(cookieMe.cookieToken)

            let logout = try await client.send(.post, "/v1/logout", .cookie(cookie), headers: [.origin: "http://localhost"])
            #expect(logout.status == .ok)
            #expect(logout.renewedToken == nil)
            #expect(logout.cookieToken == "")
            #expect(try await client.send(.get, "/v1/me", .bearer(cookie)).errorCode == "InvalidSession")
        }
    }
}
