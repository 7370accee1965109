import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A route that fails after the middleware renewed the token: the renewal is committed, the presented
/// token is superseded, so the error response must still carry the new token — in `Auth-Token` for a
/// bearer token, in `Set-Cookie` for the cookie — and must not clear the cookie.
@Suite("Routes failing after a renewal")
struct RouteFailureAfterRenewalTests {
    struct Unexpected: Error {}

    enum Failure: String, CaseIterable, CustomTestStringConvertible {
        /// An `AccountError` of the route's own: a 401, like a refused token.
        case unauthorized
        /// An application's HTTP error.
        case conflict
        /// An unexpected error: a 500.
        case crash

        var path: String { "/v1/app/\(rawValue)" }
        var status: HTTPResponse.Status {
            switch self {
            case .unauthorized: .unauthorized
            case .conflict: .conflict
            case .crash: .internalServerError
            }
        }
        var testDescription: String { "\(status.code)" }
    }

    /// The Gatehouse routes and an application's failing routes, behind one middleware.
    static func app(_ harness: Harness) -> some ApplicationProtocol {
        let router = Router(context: GatehouseRequestContext.self)
        router.add(middleware: GatehouseErrorMiddleware(logger: harness.logs.logger(label: "gatehouse.http")))
        router.add(middleware: GatehouseMiddleware(accounts: harness.accounts, configuration: harness.configuration))
        addGatehouseRoutes(to: router, accounts: harness.accounts, configuration: harness.configuration)
        router.post(RouterPath(Failure.unauthorized.path)) { _, _ -> String in throw AccountError.unauthorized }
        router.post(RouterPath(Failure.conflict.path)) { _, _ -> String in throw HTTPError(.conflict, message: "already done") }
        router.post(RouterPath(Failure.crash.path)) { _, _ -> String in throw Unexpected() }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test("A bearer request gets the new token in Auth-Token with the error", arguments: Failure.allCases)
    func bearer(failure: Failure) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await Self.app(harness).test(.live) { client in
            let token = try await client.token()
            let response = try await client.send(.post, failure.path, .bearer(token))
            #expect(response.status == failure.status)
            let renewed = try #require(response.renewedToken)
            #expect(renewed != token)
            #expect(response.headers[values: .setCookie].isEmpty)
            #expect(try await client.send(.get, "/v1/me", .bearer(renewed)).status == .ok, "the new token works")
        }
    }

    @Test("A cookie request gets the new cookie with the error, and its cookie is not cleared", arguments: Failure.allCases)
    func cookie(failure: Failure) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await Self.app(harness).test(.live) { client in
            let cookie = try #require(try await client.logIn().cookieToken)
            let response = try await client.send(.post, failure.path, .cookie(cookie), headers: [.csrf: "1"])
            #expect(response.status == failure.status)
            #expect(response.sessionCookies.count == 1)
            let renewed = try #require(response.cookieToken)
            #expect(!renewed.isEmpty && renewed != cookie, "set to the new token, not cleared")
            #expect(response.sessionCookies.allSatisfy { !$0.contains("Max-Age=0") })
            #expect(response.renewedToken == nil)
            #expect(try await client.send(.get, "/v1/me", .cookie(renewed)).status == .ok, "the new cookie works")
        }
    }
}
