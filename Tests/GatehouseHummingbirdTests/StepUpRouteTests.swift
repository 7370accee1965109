import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Step-up over HTTP: the sensitive routes refuse a session whose last authentication is older than
/// the window with 401 `ReauthenticationRequired`, and `POST /v1/reauthenticate` renews it in place.
@Suite("Step-up: recent authentication for sensitive routes")
struct StepUpRouteTests {
    /// A route that needs a recent authentication, with a body that would succeed.
    struct SensitiveRoute: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String
        var testDescription: String { "\(method) \(path)" }
    }

    static let sensitiveRoutes = [
        SensitiveRoute(
            method: .post,
            path: "/v1/password",
            body: #"{"currentPassword":"\#(Harness.password)","newPassword":"a brand new passphrase"}"#
        ),
        SensitiveRoute(method: .post, path: "/v1/email", body: #"{"email":"alice.new@example.com","password":"\#(Harness.password)"}"#),
        SensitiveRoute(method: .delete, path: "/v1/accounts/me", body: #"{"password":"\#(Harness.password)"}"#),
    ]

    static let window = Duration.seconds(600)

    @Test("A sensitive route within the window works; past it, 401 ReauthenticationRequired changes nothing", arguments: sensitiveRoutes)
    func refusedWhenStale(route: SensitiveRoute) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            harness.clock.advance(by: Self.window + .seconds(1))
            let refused = try await client.send(route.method, route.path, .bearer(token), json: route.body)
            AccountFlowRoutesTests.expectError(refused, .unauthorized, "ReauthenticationRequired")
            // Nothing happened: the password, the address and the account are as they were.
            #expect(try await client.logIn().status == .ok)
            let account = try #require(try await harness.accounts.account(username: "alice"))
            #expect(account.email == "alice@example.com")
            // The session itself still works for everything else.
            #expect(try await client.send(.get, "/v1/me", .bearer(refused.renewedToken ?? token)).status == .ok)
        }
    }

    @Test("POST /v1/reauthenticate renews the authentication in place, and the sensitive route then works", arguments: sensitiveRoutes)
    func reauthenticateThenAct(route: SensitiveRoute) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let loggedInAt = harness.clock.now()
            harness.clock.advance(by: Self.window + .seconds(1))
            let renewedAt = harness.clock.now()
            let response = try await client.send(.post, "/v1/reauthenticate", .bearer(token), json: #"{"password":"\#(Harness.password)"}"#)
            #expect(response.status == .ok)
            let session = response.object[object: "session"]
            #expect(session["authenticatedAt"] as? String == Self.iso(renewedAt))
            #expect(session["createdAt"] as? String == Self.iso(loggedInAt))
            #expect(session["authenticationMethods"] as? [String] == ["password"])

            let acted = try await client.send(route.method, route.path, .bearer(response.renewedToken ?? token), json: route.body)
            #expect(acted.status.code < 300, "\(acted.status): \(acted.text)")
        }
    }

    @Test("A wrong password does not reauthenticate, and is counted like a failed login")
    func wrongPassword() async throws {
        let harness = try Harness(accounts: { $0.loginThrottle = LoginThrottle.Limits(perPair: RateLimit(count: 3, window: .seconds(900))) })
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            harness.clock.advance(by: Self.window + .seconds(1))
            for _ in 0..<3 {
                let wrong = try await client.send(.post, "/v1/reauthenticate", .bearer(token), json: #"{"password":"not the password"}"#)
                AccountFlowRoutesTests.expectError(wrong, .unauthorized, "LoginFailed")
            }
            let throttled = try await client.send(.post, "/v1/reauthenticate", .bearer(token), json: #"{"password":"\#(Harness.password)"}"#)
            AccountFlowRoutesTests.expectError(throttled, .tooManyRequests, "TooManyAttempts")
            let route = Self.sensitiveRoutes[0]
            AccountFlowRoutesTests.expectError(
                try await client.send(route.method, route.path, .bearer(token), json: route.body),
                .unauthorized,
                "ReauthenticationRequired"
            )
        }
    }

    @Test("POST /v1/reauthenticate needs a session and a password")
    func needsSessionAndBody() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            AccountFlowRoutesTests.expectError(
                try await client.send(.post, "/v1/reauthenticate", json: #"{"password":"\#(Harness.password)"}"#),
                .unauthorized,
                "Unauthorized"
            )
            let token = try await client.token()
            AccountFlowRoutesTests.expectError(
                try await client.send(.post, "/v1/reauthenticate", .bearer(token), json: "{}"),
                .badRequest,
                "InvalidRequest"
            )
        }
    }

    @Test("The session shows when and how it was last authenticated; the audit log records the reauthentication")
    func sessionAndAudit() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let me = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(me.object[object: "session"]["authenticationMethods"] as? [String] == ["password"])
            #expect(me.object[object: "session"]["authenticatedAt"] as? String == me.object[object: "session"]["createdAt"] as? String)
            harness.clock.advance(by: .seconds(60))
            #expect(try await client.send(.post, "/v1/reauthenticate", .bearer(token), json: #"{"password":"\#(Harness.password)"}"#).status == .ok)
        }
        let account = try #require(try await harness.accounts.account(username: "alice"))
        let events = try await harness.accounts.activity(ofAccount: account.accountID, limit: 10, before: nil)
        let event = try #require(events.first)
        #expect(event.kind == .sessionReauthenticated)
        #expect(event.details["methods"] == "password")
        #expect(event.sessionID != nil)
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
