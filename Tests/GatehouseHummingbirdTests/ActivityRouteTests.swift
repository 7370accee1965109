import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The security log over HTTP: GET /v1/activity, and who the events name")
struct ActivityRouteTests {
    /// The events of `response`, as JSON objects.
    func events(_ response: TestResponse) -> [[String: Any]] {
        response.object["events"] as? [[String: Any]] ?? []
    }

    @Test("The caller reads its own account's events, newest first, with the session and client each names")
    func ownEvents() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.createAccount("bob")
        try await harness.test { client in
            _ = try await client.logIn(password: "wrong password here")
            let other = try await client.logIn(userAgent: "OtherDevice/2.0")
            let otherSession = try #require(other.object[object: "session"]["id"] as? String)
            let login = try await client.logIn()
            let session = try #require(login.object[object: "session"]["id"] as? String)
            var token = try #require(login.object["authToken"] as? String)
            _ = try await client.logIn("bob")

            let ended = try await client.send(.delete, "/v1/sessions/\(otherSession)", .bearer(token))
            #expect(ended.status == .ok)
            token = try #require(ended.renewedToken)

            let response = try await client.send(.get, "/v1/activity", .bearer(token))
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let events = events(response)
            #expect(
                events.map { $0["type"] as? String } == ["session.revoked", "login.succeeded", "login.succeeded", "login.failed", "account.created"]
            )
            let accountID = try #require(login.object[object: "account"]["accountId"] as? String)
            #expect(events.allSatisfy { $0["accountId"] as? String == accountID }, "only the caller's account")
            let revoked = events[0]
            #expect(revoked["sessionId"] as? String == otherSession)
            #expect(revoked["userAgent"] as? String == Harness.userAgent, "the revocation names the client that made it")
            #expect(revoked["actor"] as? String == "user")
            #expect(revoked["details"] as? [String: String] == ["reason": "logout", "scope": "session"])
            #expect(events[1]["sessionId"] as? String == session)
            #expect(events[2]["userAgent"] as? String == "OtherDevice/2.0")
            #expect(
                Set(events[0].keys).isSubset(of: [
                    "id", "type", "occurredAt", "accountId", "sessionId", "actor", "clientAddress", "userAgent", "details",
                ])
            )
        }
    }

    @Test("POST /v1/logout is recorded as a logout of the session it ended")
    func logout() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let login = try await client.logIn()
            let token = try #require(login.object["authToken"] as? String)
            let session = try #require(login.object[object: "session"]["id"] as? String)
            #expect(try await client.send(.post, "/v1/logout", .bearer(token)).status == .ok)
            let accountID = try #require(login.object[object: "account"]["accountId"] as? String)
            let latest = try #require(try await harness.accounts.activity(ofAccount: accountID, limit: 1).first)
            #expect(latest.kind == .logout && latest.sessionID == session && latest.userAgent == Harness.userAgent)
        }
    }

    @Test("limit and before page back through the log")
    func paging() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            for _ in 0..<3 { _ = try await client.logIn() }
            var token = try await client.token()
            let first = try await client.send(.get, "/v1/activity?limit=2", .bearer(token))
            token = try #require(first.renewedToken)
            let page = events(first)
            #expect(page.count == 2)
            let last = try #require(page.last?["id"] as? String)
            let second = try await client.send(.get, "/v1/activity?limit=2&before=\(last)", .bearer(token))
            token = try #require(second.renewedToken)
            let all = try await client.send(.get, "/v1/activity", .bearer(token))
            let ids = events(all).compactMap { $0["id"] as? String }
            #expect(ids.count == 5)
            #expect((page + events(second)).compactMap { $0["id"] as? String } == Array(ids.prefix(4)))
        }
    }

    @Test("A bad query value is 400 InvalidRequest", arguments: ["limit=0", "limit=101", "limit=abc", "limit=", "before=not-a-ulid", "before="])
    func badQuery(_ query: String) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let response = try await client.send(.get, "/v1/activity?\(query)", .bearer(token))
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "InvalidRequest")
        }
    }

    @Test("Without a session it is 401")
    func anonymous() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.send(.get, "/v1/activity")
            #expect(response.status == .unauthorized)
        }
    }
}
