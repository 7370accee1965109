import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("CORS")
struct CORSTests {
    static let configuration: GatehouseHTTPConfiguration = {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cors = .init(allowedOrigins: ["https://app.example.com"])
        return configuration
    }()

    @Test("A preflight from an allowed origin is answered with the CSRF header allowed")
    func preflight() async throws {
        let harness = try Harness(http: Self.configuration)
        try await harness.test { client in
            let response = try await client.send(
                .options,
                "/v1/logout",
                headers: [
                    .origin: "https://app.example.com", .accessControlRequestMethod: "POST",
                ]
            )
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(response.headers[.accessControlAllowCredentials] == "true")
            #expect(response.headers[.accessControlAllowHeaders]?.contains("X-Gatehouse-CSRF") == true)
            #expect(response.headers[.accessControlAllowMethods]?.contains("DELETE") == true)
        }
    }

    @Test("Responses to an allowed origin expose Auth-Token, errors included; other origins get no CORS headers")
    func exposure() async throws {
        let harness = try Harness(http: Self.configuration)
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let allowed = try await client.send(.get, "/v1/me", .bearer(token), headers: [.origin: "https://app.example.com"])
            #expect(allowed.headers[.accessControlExposeHeaders]?.contains("Auth-Token") == true)
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://app.example.com")
            let failed = try await client.send(.get, "/v1/me", headers: [.origin: "https://app.example.com"])
            #expect(failed.status == .unauthorized)
            #expect(failed.headers[.accessControlAllowOrigin] == "https://app.example.com")
            let other = try await client.send(.get, "/health", headers: [.origin: "https://evil.example"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
