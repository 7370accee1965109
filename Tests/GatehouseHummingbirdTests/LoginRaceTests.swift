import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Concurrent password guesses against one account from one address, each on its own connection.
///
/// Every password verification is held at a gate until each of the burst's requests has either reached
/// the hasher or been answered, so all of them are in flight at once however the server schedules
/// them: a limit checked before the password is hashed but counted only after it would let every one
/// of them through.
@Suite("Concurrent login attempts")
struct LoginRaceTests {
    static let burst = 12

    @Test(
        "Of 12 concurrent wrong passwords from one address, at most 5 are checked; the rest, and the right password after, are 429",
        arguments: StoreKind.allCases
    )
    func concurrentWrongPasswords(store: StoreKind) async throws {
        let gate = VerificationGate(opensAfter: Self.burst)
        defer { gate.open() }
        let harness = try Harness(store: store, accounts: { $0.passwordHasher = GatedPasswordHasher(gate: gate) })
        try await harness.createAccount()
        try await harness.live { client in
            let port = try #require(client.port)
            let answers = try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
                for _ in 0..<Self.burst {
                    group.addTask {
                        let response = try await Self.logIn(port: port, password: "not the password")
                        if response.status != .unauthorized { gate.answeredWithoutVerification() }
                        return response
                    }
                }
                return try await group.reduce(into: [TestClient.Response]()) { $0.append($1) }
            }

            let checked = answers.filter { $0.status == .unauthorized }
            let refused = answers.filter { $0.status == .tooManyRequests }
            #expect(answers.count == Self.burst)
            #expect(checked.count <= 5, "at most the per-pair limit is evaluated")
            #expect(refused.count >= 7)
            #expect(checked.count + refused.count == Self.burst)
            #expect(gate.arrivals == checked.count, "a refused attempt never reaches the password hasher")
            for answer in checked {
                #expect(Self.errorCode(answer) == "LoginFailed")
            }
            for answer in refused {
                #expect(Self.errorCode(answer) == "TooManyAttempts")
                let retryAfter = answer.headers[.retryAfter].flatMap(Int.init)
                #expect(retryAfter.map { $0 > 0 && $0 <= 900 } == true, "Retry-After: \(String(describing: retryAfter))")
            }

            let right = try await client.logIn()
            #expect(right.status == .tooManyRequests)
            #expect(right.errorCode == "TooManyAttempts")
            #expect(right.headers[.retryAfter] != nil)
            #expect(right.sessionCookies.isEmpty && right.object["authToken"] == nil)
        }
        let alice = try #require(try await harness.accounts.account(username: "alice"))
        #expect(try await harness.accounts.sessions(ofAccount: alice.accountID).isEmpty)
    }

    /// `POST /v1/login` on a connection of its own.
    static func logIn(port: Int, password: String) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.post(
                "/v1/login",
                headers: [.contentType: "application/json", .userAgent: Harness.userAgent],
                body: ByteBuffer(string: #"{"username":"alice","password":"\#(password)"}"#)
            )
        }
    }

    static func errorCode(_ response: TestClient.Response) -> String? {
        guard let body = response.body,
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else { return nil }
        return (object["error"] as? [String: Any])?["code"] as? String
    }
}
