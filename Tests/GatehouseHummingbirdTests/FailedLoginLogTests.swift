import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

/// Password guessing must be visible in the logs: each failed login is logged at `notice` or above with
/// the client's address and, when the username names an account, the account's id — and never with
/// the password typed.
@Suite("Logging of failed logins")
struct FailedLoginLogTests {
    @Test("A failed login is logged at notice with the client address and the account id, never the password")
    func failedLoginIsLogged() async throws {
        let harness = try Harness(http: Harness.behindLoopbackProxy)
        let alice = try await harness.createAccount()
        let wrong = "Tr0ub4dor&3-not-alice's"
        try await harness.live { client throws in
            #expect(try await client.logIn(password: wrong, headers: [.forwardedFor: "203.0.113.7"]).errorCode == "LoginFailed")
            #expect(try await client.logIn("nobody", password: wrong, headers: [.forwardedFor: "198.51.100.20"]).errorCode == "LoginFailed")
            #expect(try await client.logIn(headers: [.forwardedFor: "203.0.113.7"]).status == .ok)
        }

        let failures = harness.logs.records.filter { $0.level >= .notice && $0.metadata["gatehouse.client_ip"] != nil }
        let known = failures.filter { $0.metadata["gatehouse.client_ip"] == "203.0.113.7" }
        #expect(known.count == 1, "one line for the failed login of an existing account: \(failures.map(\.text))")
        #expect(known.first?.metadata["gatehouse.account_id"] == alice.accountID)
        let unknown = failures.filter { $0.metadata["gatehouse.client_ip"] == "198.51.100.20" }
        #expect(unknown.count == 1, "one line for the failed login of an unknown username")
        #expect(unknown.first?.metadata["gatehouse.account_id"] == nil)

        for secret in [wrong, Harness.password] {
            #expect(!harness.logs.mention(secret), "no log line carries a password")
        }
    }

    @Test("A throttled login is logged at notice with the client address")
    func throttledLoginIsLogged() async throws {
        let harness = try Harness(http: Harness.behindLoopbackProxy)
        try await harness.createAccount()
        try await harness.live { client in
            for _ in 0..<5 {
                _ = try await client.logIn(password: "not the password", headers: [.forwardedFor: "203.0.113.8"])
            }
            #expect(try await client.logIn(headers: [.forwardedFor: "203.0.113.8"]).status == .tooManyRequests)
        }
        let lines = harness.logs.records.filter { $0.level >= .notice && $0.metadata["gatehouse.client_ip"] == "203.0.113.8" }
        #expect(lines.count == 6, "five failures and one refusal: \(lines.map(\.text))")
        #expect(!harness.logs.mention(Harness.password))
    }
}
