import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every response that hands over a token — in its body, in `Auth-Token` or in the cookie — says
/// `Cache-Control: no-store` (README, "HTTP API"), including the answers that the middleware's own rule
/// did not reach: a token in the body only, a route that chose its own caching, an error after a renewal.
@Suite("Every response that hands over a token says Cache-Control: no-store")
struct NoStoreEverywhereTests {
    struct Refused: Error {}

    /// The Gatehouse routes, a route that may be cached like a stylesheet, and one that fails, behind one
    /// middleware.
    static func app(_ harness: Harness) -> some ApplicationProtocol {
        let router = Router(context: GatehouseRequestContext.self)
        router.add(middleware: GatehouseErrorMiddleware(logger: harness.logs.logger(label: "gatehouse.http")))
        router.add(middleware: GatehouseMiddleware(accounts: harness.accounts, configuration: harness.configuration))
        addGatehouseRoutes(to: router, accounts: harness.accounts, configuration: harness.configuration)
        router.get("/assets/site.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: "p {}"))
            )
        }
        router.post("/v1/app/fails") { _, _ -> String in throw AccountError.invalidRequest() }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test("a refresh or a password change inside the grace period answers the token in its body, with no-store")
    func tokenInTheBodyOnly() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await Self.app(harness).test(.router) { client in
            let token = try await client.token()
            let me = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(me.renewedToken != nil)
            // The superseded token is still accepted inside the grace period, and gets no new one.
            let refreshed = try await client.send(.post, "/v1/refresh", .bearer(token))
            #expect(refreshed.status == .ok)
            #expect(refreshed.renewedToken == nil)
            #expect(refreshed.object["authToken"] as? String == token)
            #expect(refreshed.headers[values: .cacheControl] == ["no-store"])

            let changed = try await client.send(
                .post,
                "/v1/password",
                .bearer(token),
                json: #"{"currentPassword":"\#(Harness.password)","newPassword":"a new and better passphrase"}"#
            )
            #expect(changed.status == .ok)
            #expect(changed.renewedToken == nil)
            #expect(changed.object["authToken"] as? String == token)
            #expect(changed.headers[values: .cacheControl] == ["no-store"])
        }
    }

    @Test("a route's own Cache-Control gives way to no-store when the answer hands over a token")
    func routeCachingGivesWay() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await Self.app(harness).test(.router) { client in
            let anonymous = try await client.send(.get, "/assets/site.css")
            #expect(anonymous.headers[values: .cacheControl] == ["public, max-age=3600"])

            let token = try await client.token()
            let bearer = try await client.send(.get, "/assets/site.css", .bearer(token))
            #expect(bearer.renewedToken != nil)
            #expect(bearer.headers[values: .cacheControl] == ["no-store"])

            let cookieLogin = try await client.logIn(headers: [.transport: "cookie"])
            let cookie = try #require(cookieLogin.cookieToken)
            let browser = try await client.send(.get, "/assets/site.css", .cookie(cookie))
            #expect(browser.cookieToken != nil)
            #expect(browser.headers[values: .cacheControl] == ["no-store"])
        }
    }

    @Test("an error answered after a renewal carries the new token with no-store")
    func errorAfterRenewal() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await Self.app(harness).test(.router) { client in
            let token = try await client.token()
            let failed = try await client.send(.post, "/v1/app/fails", .bearer(token))
            #expect(failed.status == .badRequest)
            #expect(failed.renewedToken != nil)
            #expect(failed.headers[values: .cacheControl] == ["no-store"])
        }
    }
}
