import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// The per-account login limit against strangers, the owner's exemption from it, and addresses counted
/// by network. The live test client plays a trusted proxy on 127.0.0.1 and names each request's
/// client address in `X-Forwarded-For`.
@Suite("Login limits per account and per network")
struct OwnerLockoutTests {
    static let owner = "198.51.100.1"

    /// A harness with a per-account limit of 3 in 15 minutes, other limits as given.
    static func harness(
        perPair: RateLimit = RateLimit(count: 5, window: .seconds(900)),
        perAddress: RateLimit = RateLimit(count: 20, window: .seconds(900))
    ) throws -> Harness {
        try Harness(
            http: Harness.behindLoopbackProxy,
            accounts: {
                $0.loginThrottle = LoginThrottle.Limits(
                    perPair: perPair,
                    perAddress: perAddress,
                    perAccount: RateLimit(count: 3, window: .seconds(900))
                )
            }
        )
    }

    @Test("Strangers' failures exhaust the account's limit for strangers, not for an address that logged in to it")
    func ownerIsNotLockedOut() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.live { client in
            #expect(try await client.logIn(from: Self.owner).status == .ok)
            for stranger in 1...3 {
                let guess = try await client.logIn(password: "not the password", from: "203.0.113.\(stranger)")
                #expect(guess.errorCode == "LoginFailed")
            }
            let fourth = try await client.logIn(password: "not the password", from: "203.0.113.4")
            #expect(fourth.status == .tooManyRequests)
            #expect(fourth.errorCode == "TooManyAttempts")
            #expect(fourth.headers[.retryAfter] != nil)
            // A new address is a stranger too, even with the right password.
            #expect(try await client.logIn(from: "203.0.113.5").status == .tooManyRequests)

            let owner = try await client.logIn(from: Self.owner)
            #expect(owner.status == .ok, "the owner's address logged in to the account within 30 days")
            #expect(owner.object[object: "session"]["ip"] as? String == Self.owner)
        }
    }

    @Test("The owner's address is still limited per (account, address)")
    func ownerStillLimitedPerPair() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.live { client in
            #expect(try await client.logIn(from: Self.owner).status == .ok)
            for _ in 0..<5 {
                #expect(try await client.logIn(password: "not the password", from: Self.owner).errorCode == "LoginFailed")
            }
            let blocked = try await client.logIn(from: Self.owner)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "TooManyAttempts")
        }
    }

    @Test("The owner's address is still limited per address")
    func ownerStillLimitedPerAddress() async throws {
        let harness = try Self.harness(perAddress: RateLimit(count: 6, window: .seconds(900)))
        try await harness.createAccount()
        try await harness.live { client in
            #expect(try await client.logIn(from: Self.owner).status == .ok)
            for index in 0..<6 {
                #expect(try await client.logIn("ghost\(index)", password: "not the password", from: Self.owner).errorCode == "LoginFailed")
            }
            let blocked = try await client.logIn(from: Self.owner)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "TooManyAttempts")
        }
    }

    @Test("An address is trusted for 30 days after its last login, then counted as a stranger again")
    func trustExpires() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.live { client in
            #expect(try await client.logIn(from: Self.owner).status == .ok)
            harness.clock.advance(by: .seconds(31 * 86_400))
            for stranger in 1...3 {
                _ = try await client.logIn(password: "not the password", from: "203.0.113.\(stranger)")
            }
            let owner = try await client.logIn(from: Self.owner)
            #expect(owner.status == .tooManyRequests)
            #expect(owner.errorCode == "TooManyAttempts")
        }
    }

    @Test("IPv6 addresses are counted per /64: one network shares a count, another network does not")
    func ipv6Networks() async throws {
        let harness = try Harness(http: Harness.behindLoopbackProxy)
        try await harness.createAccount()
        try await harness.live { client in
            for _ in 0..<5 {
                #expect(try await client.logIn(password: "not the password", from: "2001:db8:1:2::1").errorCode == "LoginFailed")
            }
            for neighbour in ["2001:db8:1:2::ffff", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:0db8:0001:0002:0000:0000:0000:0abc"] {
                let blocked = try await client.logIn(from: neighbour)
                #expect(blocked.status == .tooManyRequests, "\(neighbour) is in the same /64")
                #expect(blocked.errorCode == "TooManyAttempts")
            }
            let elsewhere = try await client.logIn(from: "2001:db8:1:3::1")
            #expect(elsewhere.status == .ok, "another /64 has its own count")
            #expect(elsewhere.object[object: "session"]["ip"] as? String == "2001:db8:1:3::1")
        }
    }
}

extension TestClientProtocol {
    /// Logs in as a client at `address`, named by the trusted proxy in `X-Forwarded-For`.
    func logIn(_ username: String = "alice", password: String = Harness.password, from address: String) async throws -> TestResponse {
        try await logIn(username, password: password, headers: [.forwardedFor: address])
    }
}
