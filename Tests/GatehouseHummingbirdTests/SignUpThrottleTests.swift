import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST /v1/accounts` is limited per client address (20 an hour by default), counted before the
/// password is hashed and whether or not the account is created. The live test client plays a trusted
/// proxy on 127.0.0.1 and names each request's client address in `X-Forwarded-For`.
@Suite("Sign-up throttling")
struct SignUpThrottleTests {
    @Test("The 21st sign-up from one address in an hour is 429 with Retry-After; another address is not affected; after the window it works again")
    func twentyPerHour() async throws {
        let harness = try Harness(http: Harness.behindLoopbackProxy)
        try await harness.live { client in
            let fromA: HTTPFields = [.forwardedFor: "203.0.113.7"]
            for index in 0..<19 {
                #expect(try await client.signUp(String(format: "user%02d", index), headers: fromA).status == .created)
            }
            // A sign-up that creates nothing counts as well.
            #expect(try await client.signUp("user00", headers: fromA).status == .conflict)

            let refused = try await client.signUp("user20", headers: fromA)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorCode == "TooManyAttempts")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 3_600)
            #expect(try await harness.accounts.account(username: "user20") == nil)

            #expect(try await client.signUp("user21", headers: [.forwardedFor: "198.51.100.9"]).status == .created)

            harness.clock.advance(by: Double(retryAfter))
            #expect(try await client.signUp("user20", headers: fromA).status == .created)
        }
    }

    @Test("The limit is configurable and can be turned off")
    func configurable() async throws {
        let tight = try Harness(http: Harness.behindLoopbackProxy, accounts: { $0.signUpLimit = RateLimit(count: 2, window: .seconds(60)) })
        try await tight.live { client throws in
            #expect(try await client.signUp("first").status == .created)
            #expect(try await client.signUp("second").status == .created)
            #expect(try await client.signUp("third").status == .tooManyRequests)
        }
        let open = try Harness(http: Harness.behindLoopbackProxy, accounts: { $0.signUpLimit = nil })
        try await open.live { client throws in
            for index in 0..<25 {
                #expect(try await client.signUp("user\(index)").status == .created)
            }
        }
    }
}

extension TestClientProtocol {
    /// Signs up through the API with extra headers.
    func signUp(_ username: String, password: String = Harness.password, headers: HTTPFields) async throws -> TestResponse {
        try await send(
            .post,
            "/v1/accounts",
            json: #"{"username":"\#(username)","email":"\#(username)@example.com","password":"\#(password)"}"#,
            headers: headers
        )
    }
}
