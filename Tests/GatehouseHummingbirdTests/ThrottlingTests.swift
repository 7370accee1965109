import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Login throttling")
struct ThrottlingTests {
    @Test("Unknown user and wrong password get the same 401 LoginFailed")
    func sameAnswer() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let wrong = try await client.logIn(password: "not the password")
            let unknown = try await client.logIn("nobody", password: "not the password")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "LoginFailed")
            #expect(wrong.text == unknown.text)
            #expect(wrong.status == unknown.status)
        }
    }

    @Test("The sixth failure for a pair is 429 with Retry-After, even with the right password", arguments: StoreKind.allCases)
    func pairLimit(store: StoreKind) async throws {
        let harness = try Harness(store: store, http: Harness.behindLoopbackProxy)
        try await harness.createAccount()
        try await harness.live { client in
            let fromA: HTTPFields = [.forwardedFor: "203.0.113.7"]
            for _ in 0..<5 {
                #expect(try await client.logIn(password: "wrong password", headers: fromA).errorCode == "LoginFailed")
            }
            let blocked = try await client.logIn(headers: fromA)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "TooManyAttempts")
            let retryAfter = try #require(blocked.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 900)
            #expect(blocked.sessionCookies.isEmpty)

            // Another client address is not locked out by the first one's failures.
            let fromB = try await client.logIn(headers: [.forwardedFor: "198.51.100.9"])
            #expect(fromB.status == .ok)
            #expect(fromB.object[object: "session"]["ip"] as? String == "198.51.100.9")

            harness.clock.advance(by: Double(retryAfter))
            #expect(try await client.logIn(headers: fromA).status == .ok)
        }
    }

    @Test("429 answers do not extend the window")
    func refusalsDoNotCount() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            for _ in 0..<5 { _ = try await client.logIn(password: "wrong password") }
            let first = try #require(try await client.logIn().headers[.retryAfter].flatMap(Int.init))
            harness.clock.advance(by: 60)
            let second = try #require(try await client.logIn(password: "wrong password").headers[.retryAfter].flatMap(Int.init))
            #expect(second == first - 60)
        }
    }

    @Test("A successful login resets the pair's failures")
    func successResets() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            for _ in 0..<4 { _ = try await client.logIn(password: "wrong password") }
            #expect(try await client.logIn().status == .ok)
            for _ in 0..<4 {
                #expect(try await client.logIn(password: "wrong password").errorCode == "LoginFailed")
            }
            #expect(try await client.logIn().status == .ok)
        }
    }

    @Test("X-Forwarded-For is ignored without trusted proxies: the session records the socket's peer")
    func forwardedForIgnored() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn(headers: [.forwardedFor: "203.0.113.7"])
            #expect(login.status == .ok)
            #expect(login.object[object: "session"]["ip"] as? String == "127.0.0.1")
        }
    }
}
