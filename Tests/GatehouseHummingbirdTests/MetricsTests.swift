import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Metrics")
struct MetricsTests {
    /// Runs `body` against the Gatehouse routes behind an error middleware that counts into `metrics`,
    /// with Alice's account created.
    static func withRoutes(
        countingInto metrics: RecordingMetrics,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        let router = Router(context: GatehouseRequestContext.self)
        router.add(middleware: GatehouseErrorMiddleware(logger: harness.logs.logger(label: "errors"), metricsFactory: metrics))
        addGatehouseRoutes(to: router, accounts: harness.accounts)
        try await Application(router: router).test(.router, body)
    }

    @Test("Every response is counted once, by status and error code")
    func responsesCounted() async throws {
        let metrics = RecordingMetrics()
        try await Self.withRoutes(countingInto: metrics) { client in
            let token = try await client.token()
            _ = try await client.send(.get, "/v1/me", .bearer(token))
            _ = try await client.send(.get, "/v1/me")
            _ = try await client.send(.get, "/v1/me", .bearer("x.y.z"))
            _ = try await client.logIn(password: "a wrong password")
            _ = try await client.send(.get, "/nowhere")
        }
        let label = "gatehouse_http_responses_total"
        #expect(metrics.total(label, [("status", "200"), ("code", "OK")]) == 2)
        #expect(metrics.total(label, [("status", "401"), ("code", "Unauthorized")]) == 1)
        #expect(metrics.total(label, [("status", "401"), ("code", "TokenVerificationFailed")]) == 1)
        #expect(metrics.total(label, [("status", "401"), ("code", "LoginFailed")]) == 1)
        #expect(metrics.total(label, [("status", "404"), ("code", "NotFound")]) == 1)
        #expect(metrics.sum(label) == 6)
    }

    @Test("Every request is counted by its route pattern, method and status, with its duration")
    func requestsCountedByRoute() async throws {
        let metrics = RecordingMetrics()
        try await Self.withRoutes(countingInto: metrics) { client in
            var token = try await client.token()
            for _ in 0..<3 {
                let me = try await client.send(.get, "/v1/me", .bearer(token))
                token = try #require(me.renewedToken)
            }
            _ = try await client.send(.delete, "/v1/sessions/01UNKNOWNSESSION", .bearer(token))
            _ = try await client.send(.get, "/nowhere/\(token)")
        }
        let label = "gatehouse_http_requests_total"
        #expect(metrics.total(label, [("route", "/v1/login"), ("method", "POST"), ("status", "200")]) == 1)
        #expect(metrics.total(label, [("route", "/v1/me"), ("method", "GET"), ("status", "200")]) == 3)
        #expect(metrics.total(label, [("route", "/v1/sessions/{id}"), ("method", "DELETE"), ("status", "404")]) == 1)
        #expect(metrics.total(label, [("route", "unmatched"), ("method", "GET"), ("status", "404")]) == 1)
        #expect(metrics.sum(label) == 6)
        #expect(metrics.total("gatehouse_http_request_duration_seconds", [("route", "/v1/me"), ("method", "GET")]) == 3)
    }

    @Test("Each series' counter and timer is made once, however many requests it counts")
    func seriesMadeOnce() async throws {
        let metrics = RecordingMetrics()
        try await Self.withRoutes(countingInto: metrics) { client in
            let token = try await client.token()
            for _ in 0..<5 {
                _ = try await client.send(.get, "/v1/me", .bearer(token))
                _ = try await client.send(.get, "/nowhere")
            }
        }
        // Series: the login, /v1/me and the unmatched path; responses by 200 OK and 404 NotFound.
        #expect(metrics.total("gatehouse_http_requests_total", [("route", "/v1/me"), ("method", "GET"), ("status", "200")]) == 5)
        #expect(metrics.madeCount("gatehouse_http_requests_total") == 3)
        #expect(metrics.madeCount("gatehouse_http_request_duration_seconds") == 3)
        #expect(metrics.madeCount("gatehouse_http_responses_total") == 2)
    }
}
