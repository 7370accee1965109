import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Routes of the HTTP API")
struct RouteTests {
    static let accountKeys: Set<String> = ["accountId", "username", "email", "emailVerified", "createdAt"]
    static let sessionKeys: Set<String> = [
        "id", "createdAt", "lastUsedAt", "expiresAt", "ip", "userAgent", "authenticatedAt", "authenticationMethods",
    ]

    @Test(
        "GET /health answers ok and ignores any token",
        arguments: [
            Credential.none, .bearer("not-a-token"), .cookie("garbage.cookie.value"),
        ]
    )
    func health(credential: Credential) async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.send(.get, "/health", credential)
            #expect(response.status == .ok)
            #expect(response.object as? [String: String] == ["status": "ok"])
            #expect(response.renewedToken == nil)
            #expect(response.sessionCookies.isEmpty)
        }
    }

    @Test("POST /v1/accounts creates an account and shows nothing secret", arguments: StoreKind.allCases)
    func createAccount(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.test { client in
            let response = try await client.send(
                .post,
                "/v1/accounts",
                json:
                    #"{"username":"Alice_1","email":"Alice@Example.com","password":"\#(Harness.password)","permissions":["admin"],"accountId":"mine"}"#
            )
            #expect(response.status == .created)
            let account = response.object[object: "account"]
            #expect(Set(response.object.keys) == ["account"])
            #expect(Set(account.keys) == Self.accountKeys)
            #expect(account["username"] as? String == "alice_1")
            #expect(account["email"] as? String == "alice@example.com")
            #expect(account["emailVerified"] as? Bool == false)
            #expect(account["accountId"] as? String != "mine")
            #expect(account["createdAt"] as? String == "2023-11-14T22:13:20Z")
            #expect(!response.text.contains(Harness.password))
            let stored = try #require(try await harness.accounts.findUser(username: "alice_1"))
            #expect(stored.permissions == ["admin_profile:\(stored.accountID)"])
        }
    }

    @Test(
        "POST /v1/accounts answers 409 Conflict for a taken username or e-mail",
        arguments: [
            #"{"username":"ALICE","email":"other@example.com","password":"long enough"}"#,
            #"{"username":"bob","email":"alice@example.com","password":"long enough"}"#,
        ]
    )
    func createAccountConflict(body: String) async throws {
        let harness = try Harness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/accounts", json: body)
            #expect(response.status == .conflict)
            #expect(response.errorCode == "Conflict")
            #expect(!response.text.contains("example.com"))
        }
    }

    @Test("POST /v1/login answers the token, the session and the account")
    func login() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let response = try await client.logIn()
            #expect(response.status == .ok)
            let body = response.object
            #expect(Set(body.keys) == ["authToken", "session", "account"])
            let token = try #require(body["authToken"] as? String)
            #expect(response.renewedToken == token)
            #expect(response.cookieToken == token)
            let session = body[object: "session"]
            #expect(Set(session.keys) == Self.sessionKeys)
            #expect(session["userAgent"] as? String == Harness.userAgent)
            #expect(session["ip"] as? String == "")
            #expect(session["createdAt"] as? String == "2023-11-14T22:13:20Z")
            #expect(session["expiresAt"] as? String == "2023-12-14T22:13:20Z")
            #expect(Set(body[object: "account"].keys) == Self.accountKeys)
            #expect(!response.text.contains(Harness.password))
        }
    }

    @Test("GET /v1/me answers the caller and renews the token", arguments: StoreKind.allCases)
    func me(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            harness.clock.advance(by: 5)
            let response = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(response.status == .ok)
            #expect(Set(response.object.keys) == ["account", "session"])
            #expect(response.object[object: "account"]["username"] as? String == "alice")
            #expect(response.object[object: "session"]["lastUsedAt"] as? String == "2023-11-14T22:13:25Z")
            let renewed = try #require(response.renewedToken)
            #expect(renewed != token)
            #expect(response.sessionCookies.isEmpty, "a bearer client gets no cookie on renewal")
            let again = try await client.send(.get, "/v1/me", .bearer(renewed))
            #expect(again.status == .ok)
        }
    }

    @Test(
        "Routes that need a token answer 401 Unauthorized without one",
        arguments: [
            (HTTPRequest.Method.get, "/v1/me"), (.post, "/v1/refresh"), (.post, "/v1/logout"), (.get, "/v1/sessions"),
            (.delete, "/v1/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV"), (.delete, "/v1/sessions"), (.delete, "/v1/sessions?except=current"),
        ]
    )
    func unauthorized(method: HTTPRequest.Method, path: String) async throws {
        let harness = try Harness()
        try await harness.test { client in
            let response = try await client.send(method, path)
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "Unauthorized")
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
        }
    }

    @Test("POST /v1/refresh returns the request's one renewal under the every-request policy")
    func refreshEveryRequest() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let first = try await client.token()
            let response = try await client.send(.post, "/v1/refresh", .bearer(first))
            #expect(response.status == .ok)
            #expect(Set(response.object.keys) == ["authToken", "expiresAt"])
            let refreshed = try #require(response.object["authToken"] as? String)
            #expect(refreshed != first)
            #expect(response.renewedToken == refreshed)
            // Had the request rotated twice, `first` would be two renewals old and its replay theft;
            // as the immediate predecessor of a never-presented token it is a lost response instead.
            harness.passGracePeriod()
            let replay = try await client.send(.get, "/v1/me", .bearer(first))
            #expect(replay.status == .ok)
            #expect(replay.renewedToken != nil)
        }
    }

    @Test("POST /v1/refresh forces one renewal under an interval policy")
    func refreshInterval() async throws {
        let harness = try Harness(sessions: { $0.renewal = .olderThan(.seconds(3600)) })
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let me = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(me.status == .ok)
            #expect(me.renewedToken == nil, "a young token is not renewed under an interval policy")
            let response = try await client.send(.post, "/v1/refresh", .bearer(token))
            #expect(response.status == .ok)
            let refreshed = try #require(response.object["authToken"] as? String)
            #expect(refreshed != token)
            #expect(response.renewedToken == refreshed)
            let next = try await client.send(.get, "/v1/me", .bearer(refreshed))
            #expect(next.status == .ok)
            #expect(next.renewedToken == nil)
        }
    }

    @Test("POST /v1/refresh inside the grace period keeps the superseded token")
    func refreshInsideGrace() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            _ = try await client.send(.get, "/v1/me", .bearer(token))
            let response = try await client.send(.post, "/v1/refresh", .bearer(token))
            #expect(response.status == .ok)
            #expect(response.object["authToken"] as? String == token)
            #expect(response.renewedToken == nil)
        }
    }

    @Test("POST /v1/logout ends the session and hands back no token", arguments: StoreKind.allCases)
    func logout(store: StoreKind) async throws {
        let harness = try Harness(store: store)
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let response = try await client.send(.post, "/v1/logout", .bearer(token))
            #expect(response.status == .ok)
            #expect(response.object as? [String: Bool] == ["ok": true])
            #expect(response.renewedToken == nil)
            #expect(response.cookieToken == "", "the cookie is cleared")
            let after = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(after.status == .unauthorized)
            #expect(after.errorCode == "InvalidSession")
        }
        #expect(harness.logs.records.contains { $0.message == "logout" && $0.metadata["gatehouse.session_id"] != nil })
    }

    @Test("GET /v1/sessions lists the caller's valid sessions and marks the current one")
    func listSessions() async throws {
        let harness = try Harness()
        try await harness.createAccount("alice")
        try await harness.createAccount("bob")
        try await harness.test { client in
            _ = try await client.token(userAgent: "Phone/2")
            let laptop = try await client.token()
            _ = try await client.token("bob")
            let ended = try await client.token()
            _ = try await client.send(.post, "/v1/logout", .bearer(ended))

            let response = try await client.send(.get, "/v1/sessions", .bearer(laptop))
            #expect(response.status == .ok)
            let sessions = try #require(response.object["sessions"] as? [[String: Any]])
            #expect(sessions.count == 2)
            #expect(sessions.allSatisfy { Set($0.keys) == Self.sessionKeys.union(["current"]) })
            #expect(sessions.filter { $0["current"] as? Bool == true }.count == 1)
            #expect(sessions.first { $0["current"] as? Bool == true }?["userAgent"] as? String == Harness.userAgent)
            #expect(sessions.first { $0["current"] as? Bool == false }?["userAgent"] as? String == "Phone/2")
        }
    }

    @Test("DELETE /v1/sessions/{id} ends one of the caller's sessions")
    func deleteOneSession() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let other = try await client.logIn()
            let otherToken = try #require(other.object["authToken"] as? String)
            let otherID = try #require(other.object[object: "session"]["id"] as? String)
            let mine = try await client.token()

            let response = try await client.send(.delete, "/v1/sessions/\(otherID)", .bearer(mine))
            #expect(response.status == .ok)
            #expect(response.object as? [String: Int] == ["invalidated": 1])
            let renewed = try #require(response.renewedToken, "the caller's own session goes on")
            #expect(try await client.send(.get, "/v1/me", .bearer(renewed)).status == .ok)
            let dead = try await client.send(.get, "/v1/me", .bearer(otherToken))
            #expect(dead.errorCode == "InvalidSession")

            let twice = try await client.send(.delete, "/v1/sessions/\(otherID)", .bearer(renewed))
            #expect(twice.status == .notFound)
            #expect(twice.errorCode == "SessionNotFound")
        }
    }

    @Test("DELETE /v1/sessions/{id} answers 404 for an unknown id or another account's session")
    func deleteForeignSession() async throws {
        let harness = try Harness()
        try await harness.createAccount("alice")
        try await harness.createAccount("bob")
        try await harness.test { client in
            let bob = try await client.logIn("bob")
            let bobToken = try #require(bob.object["authToken"] as? String)
            let bobSession = try #require(bob.object[object: "session"]["id"] as? String)
            var alice = try await client.token()
            for id in [bobSession, "01ARZ3NDEKTSV4RRFFQ69G5FAV", String(repeating: "x", count: 300)] {
                let response = try await client.send(.delete, "/v1/sessions/\(id)", .bearer(alice))
                #expect(response.status == .notFound)
                #expect(response.errorCode == "SessionNotFound")
                alice = try #require(response.renewedToken, "an error response still carries the renewed token")
            }
            #expect(try await client.send(.get, "/v1/me", .bearer(bobToken)).status == .ok)
            #expect(try await client.send(.get, "/v1/me", .bearer(alice)).status == .ok)
        }
    }

    @Test("DELETE /v1/sessions/{own id} ends the caller's session like a logout")
    func deleteOwnSession() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let login = try await client.logIn()
            let token = try #require(login.object["authToken"] as? String)
            let id = try #require(login.object[object: "session"]["id"] as? String)
            let response = try await client.send(.delete, "/v1/sessions/\(id)", .bearer(token))
            #expect(response.status == .ok)
            #expect(response.renewedToken == nil)
            #expect(response.cookieToken == "")
            #expect(try await client.send(.get, "/v1/me", .bearer(token)).errorCode == "InvalidSession")
        }
    }

    @Test("DELETE /v1/sessions logs out everywhere")
    func deleteAllSessions() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let tokens = [try await client.token(), try await client.token(), try await client.token()]
            let response = try await client.send(.delete, "/v1/sessions", .bearer(tokens[0]))
            #expect(response.status == .ok)
            #expect(response.object as? [String: Int] == ["invalidated": 3])
            #expect(response.renewedToken == nil)
            for token in tokens {
                #expect(try await client.send(.get, "/v1/me", .bearer(token)).errorCode == "InvalidSession")
            }
        }
    }

    @Test("DELETE /v1/sessions?except=current logs out everywhere else")
    func deleteOtherSessions() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let others = [try await client.token(), try await client.token()]
            let mine = try await client.token()
            let response = try await client.send(.delete, "/v1/sessions?except=current", .bearer(mine))
            #expect(response.status == .ok)
            #expect(response.object as? [String: Int] == ["invalidated": 2])
            let renewed = try #require(response.renewedToken)
            for token in others {
                #expect(try await client.send(.get, "/v1/me", .bearer(token)).errorCode == "InvalidSession")
            }
            let alone = try await client.send(.delete, "/v1/sessions?except=current", .bearer(renewed))
            #expect(alone.object as? [String: Int] == ["invalidated": 0])
            let next = try #require(alone.renewedToken)
            #expect(try await client.send(.get, "/v1/me", .bearer(next)).status == .ok)

            let bogus = try await client.send(.delete, "/v1/sessions?except=everything", .bearer(next))
            #expect(bogus.status == .badRequest)
            #expect(bogus.errorCode == "InvalidRequest")
        }
    }
}
