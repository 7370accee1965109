import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// Logging in and signing up carry no credential, so the CSRF rule of cookie-authenticated requests
/// cannot apply; instead a browser's `Origin` must be this server's own or an allowed CORS origin, or a
/// cross-site page could log its visitor in to the attacker's account. Requests without `Origin` are
/// not from a browser's cross-site form and pass.
@Suite("Cross-site login and sign-up")
struct LoginCSRFTests {
    static let configuration = GatehouseHTTPConfiguration(cors: .init(allowedOrigins: ["https://app.example.com"]))

    /// Origins a cross-site page can make a browser send (the live client's `Host` is `localhost`).
    static let foreign = [
        "https://evil.example", "null", "http://localhost:8081", "http://localhost.evil.example", "https://app.example.com.evil", "garbage",
    ]
    /// This server's own origin, in two spellings, and the allowed CORS origin.
    static let trusted = ["http://localhost", "HTTP://LOCALHOST:80", "https://app.example.com"]

    @Test("POST /v1/login with a foreign Origin is 403 CSRFRejected and starts no session", arguments: foreign)
    func foreignLogin(origin: String) async throws {
        let harness = try Harness(http: Self.configuration)
        let account = try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn(headers: [.origin: origin])
            #expect(login.status == .forbidden)
            #expect(login.errorCode == "CSRFRejected")
            #expect(login.headers[values: .setCookie].isEmpty)
            #expect(login.headers[.authToken] == nil)
        }
        #expect(try await harness.accounts.sessions(ofAccount: account.accountID).isEmpty)
    }

    @Test("POST /v1/accounts with a foreign Origin is 403 CSRFRejected and creates nothing", arguments: foreign)
    func foreignSignUp(origin: String) async throws {
        let harness = try Harness(http: Self.configuration)
        try await harness.live { client in
            let signUp = try await client.signUp("mallory", headers: [.origin: origin])
            #expect(signUp.status == .forbidden)
            #expect(signUp.errorCode == "CSRFRejected")
        }
        #expect(try await harness.accounts.account(username: "mallory") == nil)
    }

    @Test("This server's own origin, an allowed origin, or no Origin at all may log in and sign up", arguments: trusted.map(Optional.some) + [nil])
    func trustedOrigins(origin: String?) async throws {
        let harness = try Harness(http: Self.configuration)
        try await harness.live { client in
            let headers: HTTPFields = origin.map { [.origin: $0] } ?? [:]
            #expect(try await client.signUp("alice", headers: headers).status == .created)
            let login = try await client.logIn(headers: headers)
            #expect(login.status == .ok)
            #expect(login.cookieToken?.isEmpty == false)
        }
    }
}
