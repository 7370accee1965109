import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Logs")
struct LoggingTests {
    @Test("Logins, logouts and rejected tokens are logged with the session id and never a secret")
    func noSecrets() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        let login = try await harness.test { client in try await client.logIn() }
        let token = try #require(login.object["authToken"] as? String)
        let sessionID = try #require(login.object[object: "session"]["id"] as? String)
        let renewed = try await harness.test { client in
            let renewed = try #require(try await client.send(.get, "/v1/me", .bearer(token)).renewedToken)
            #expect(try await client.send(.get, "/v1/me", .bearer(renewed), userAgent: "Changed/1").status == .unauthorized)
            #expect(try await client.send(.post, "/v1/logout", .bearer(renewed)).status == .ok)
            _ = try await client.logIn(password: "a wrong password")
            return renewed
        }
        let records = harness.logs.records
        #expect(records.contains { $0.message == "login" && $0.metadata["gatehouse.session_id"] == sessionID })
        #expect(records.contains { $0.message == "logout" && $0.metadata["gatehouse.session_id"] == sessionID })
        #expect(
            records.contains {
                $0.message == "token rejected" && $0.metadata["gatehouse.session_id"] == sessionID
                    && $0.metadata["gatehouse.error"] == "InvalidSession"
            }
        )
        #expect(records.contains { $0.message == "login refused" && $0.metadata["gatehouse.error"] == "LoginFailed" })
        for secret in [token, renewed, Harness.password, "a wrong password", "alice@example.com"] {
            #expect(!harness.logs.mention(secret))
        }
        #expect(records.allSatisfy { $0.metadata.keys.allSatisfy { $0.hasPrefix("gatehouse.") || $0.hasPrefix("hb.") } })
    }
}
