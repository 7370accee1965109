import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("GatehouseMiddleware in front of one's own routes")
struct MiddlewareTests {
    static func app(_ harness: Harness) -> some ApplicationProtocol {
        let router = Router(context: AppContext.self)
        router.add(middleware: GatehouseMiddleware(accounts: harness.accounts))
        router.get("/profile") { _, context -> String in
            context.account.map { "hello \($0.username)" } ?? "hello stranger"
        }
        router.get("/fails") { _, _ -> String in
            throw HTTPError(.gone, message: "no coffee")
        }
        addGatehouseRoutes(to: router.group("/auth"), accounts: harness.accounts)
        return Application(router: router)
    }

    @Test("The user's route sees the account, and the response carries the renewed token")
    func ownRoute() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        let token = try await harness.test { client in try await client.token() }
        try await Self.app(harness).test(.router) { client in
            let anonymous = try await client.send(.get, "/profile")
            #expect(anonymous.text == "hello stranger")
            let known = try await client.send(.get, "/profile", .bearer(token))
            #expect(known.text == "hello alice")
            #expect(known.renewedToken != nil)
            let invalid = try await client.send(.get, "/profile", .bearer("x.y.z"))
            #expect(invalid.status == .unauthorized)
            #expect(invalid.errorCode == "TokenVerificationFailed")
        }
    }

    @Test("An error from the user's route keeps its response and still hands over the new token")
    func errorCarriesToken() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        let token = try await harness.test { client in try await client.token() }
        try await Self.app(harness).test(.router) { client in
            let response = try await client.send(.get, "/fails", .bearer(token))
            #expect(response.status == .gone)
            #expect(response.text.contains("no coffee"))
            let renewed = try #require(response.renewedToken)
            #expect(try await client.send(.get, "/profile", .bearer(renewed)).text == "hello alice")
        }
    }

    @Test("Routes mounted under a prefix behind an outer middleware authenticate once")
    func mountedRoutes() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await Self.app(harness).test(.router) { client in
            #expect(try await client.send(.get, "/auth/health").status == .ok)
            let login = try await client.send(.post, "/auth/v1/login", json: #"{"username":"alice","password":"\#(Harness.password)"}"#)
            let token = try #require(login.object["authToken"] as? String)
            let refresh = try await client.send(.post, "/auth/v1/refresh", .bearer(token))
            let refreshed = try #require(refresh.object["authToken"] as? String)
            #expect(refresh.renewedToken == refreshed)
            #expect(refresh.headers[values: .authToken].count == 1)
            // One rotation only: the presented token is the immediate predecessor, a lost response.
            harness.passGracePeriod()
            #expect(try await client.send(.get, "/auth/v1/me", .bearer(token)).status == .ok)
        }
    }
}
