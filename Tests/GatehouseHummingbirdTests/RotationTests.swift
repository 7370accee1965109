import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Token rotation over HTTP")
struct RotationTests {
    @Test("A burst of 20 requests with one token: all succeed, exactly one gets a new token", arguments: StoreKind.allCases)
    func burst(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.send(.get, "/v1/me", .bearer(token)) }
                }
                return try await group.reduce(into: [TestResponse]()) { $0.append($1) }
            }
            #expect(responses.count == 20)
            #expect(responses.allSatisfy { $0.status == .ok })
            let renewed = responses.compactMap(\.renewedToken)
            #expect(renewed.count == 1)
            let next = try #require(renewed.first)
            #expect(try await client.send(.get, "/v1/me", .bearer(next)).status == .ok)
        }
    }

    @Test("Inside the grace period a superseded token is accepted without a new one")
    func grace() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let first = try await client.token()
            let second = try #require(try await client.send(.get, "/v1/me", .bearer(first)).renewedToken)
            let third = try #require(try await client.send(.get, "/v1/me", .bearer(second)).renewedToken)
            harness.clock.advance(by: 10)
            for stale in [first, second] {
                let response = try await client.send(.get, "/v1/me", .bearer(stale))
                #expect(response.status == .ok)
                #expect(response.renewedToken == nil)
            }
            #expect(try await client.send(.get, "/v1/me", .bearer(third)).status == .ok)
        }
    }

    @Test("Lost response: the previous token after the grace period, its successor never used, gets a new token")
    func lostResponse() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let presented = try await client.token()
            let lost = try #require(try await client.send(.get, "/v1/me", .bearer(presented)).renewedToken)
            harness.passGracePeriod()
            let retry = try await client.send(.get, "/v1/me", .bearer(presented))
            #expect(retry.status == .ok)
            let fresh = try #require(retry.renewedToken)
            #expect(fresh != lost)
            #expect(try await client.send(.get, "/v1/me", .bearer(fresh)).status == .ok)
        }
    }

    @Test("Replaying a superseded token after the grace period is theft: 401 and the session is revoked", arguments: StoreKind.allCases)
    func theft(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        let (stolen, current) = try await harness.test { client in
            let stolen = try await client.token()
            let second = try #require(try await client.send(.get, "/v1/me", .bearer(stolen)).renewedToken)
            let third = try #require(try await client.send(.get, "/v1/me", .bearer(second)).renewedToken)
            harness.passGracePeriod()
            let replay = try await client.send(.get, "/v1/me", .bearer(stolen))
            #expect(replay.status == .unauthorized)
            #expect(replay.errorCode == "TokenTheftDetected")
            #expect(replay.renewedToken == nil)
            let holder = try await client.send(.get, "/v1/me", .bearer(third))
            #expect(holder.status == .unauthorized)
            #expect(holder.errorCode == "InvalidSession")
            return (stolen, third)
        }
        let account = try #require(try await harness.accounts.findUser(username: "alice"))
        let ended = try await harness.accounts.sessions(ofAccount: account.accountID, includeEnded: true)
        #expect(ended.count == 1)
        #expect(ended.first?.revokedReason == RevocationReason.tokenTheft)
        let warning = try #require(harness.logs.records.first { $0.level == .warning && $0.message.contains("replayed") })
        #expect(warning.metadata["gatehouse.session_id"] == ended.first?.id)
        #expect(!harness.logs.mention(stolen))
        #expect(!harness.logs.mention(current))
    }

    @Test("The previous token after its successor was used, past the grace period, is theft")
    func previousAfterSuccessorUsed() async throws {
        let harness = try Harness(sessions: { $0.renewal = .olderThan(.seconds(3600)) })
        try await harness.createAccount()
        try await harness.test { client in
            let first = try await client.token()
            let second = try #require(try await client.send(.post, "/v1/refresh", .bearer(first)).renewedToken)
            let used = try await client.send(.get, "/v1/me", .bearer(second))
            #expect(used.status == .ok)
            #expect(used.renewedToken == nil)
            harness.passGracePeriod()
            let replay = try await client.send(.get, "/v1/me", .bearer(first))
            #expect(replay.errorCode == "TokenTheftDetected")
            #expect(try await client.send(.get, "/v1/me", .bearer(second)).errorCode == "InvalidSession")
        }
    }
}
