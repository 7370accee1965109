import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST /v1/login` hands the token over the way the request asks with `Gatehouse-Transport`: `cookie`
/// (the `HttpOnly` cookie only, for browsers) or `bearer` (the body and `Auth-Token`, no cookie); without
/// the header, the server's configured default.
@Suite("Token transport of a login")
struct TransportTests {
    @Test(
        "Gatehouse-Transport: cookie sets the cookie only: no authToken in the body, no Auth-Token header",
        arguments: ["cookie", "Cookie", " COOKIE "]
    )
    func cookieTransport(value: String) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn(headers: [.transport: value])
            #expect(login.status == .ok)
            let cookie = try #require(login.cookieToken)
            #expect(!cookie.isEmpty)
            #expect(login.object["authToken"] == nil)
            #expect(login.object[object: "account"]["username"] as? String == "alice")
            #expect(login.headers[.authToken] == nil)
            #expect(!login.text.contains(cookie))
            #expect(try await client.send(.get, "/v1/me", .cookie(cookie)).status == .ok)
        }
    }

    @Test("Gatehouse-Transport: bearer gives the token in the body and Auth-Token, and sets no cookie", arguments: ["bearer", "Bearer"])
    func bearerTransport(value: String) async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn(headers: [.transport: value])
            #expect(login.status == .ok)
            let token = try #require(login.object["authToken"] as? String)
            #expect(login.headers[.authToken] == token)
            #expect(login.headers[values: .setCookie].isEmpty)
            #expect(try await client.send(.get, "/v1/me", .bearer(token)).status == .ok)
        }
    }

    @Test("Without the header, the default (both): the cookie, the body and Auth-Token")
    func defaultBoth() async throws {
        let harness = try Harness()
        #expect(harness.configuration.tokenTransport == .both)
        try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn()
            #expect(login.status == .ok)
            let token = try #require(login.object["authToken"] as? String)
            #expect(login.headers[.authToken] == token)
            #expect(login.cookieToken == token)
        }
    }

    @Test("The configured default applies without the header; the header overrides it", arguments: [TokenTransport.cookie, .bearer])
    func configuredDefault(transport: TokenTransport) async throws {
        let harness = try Harness(http: GatehouseHTTPConfiguration(tokenTransport: transport))
        try await harness.createAccount()
        try await harness.live { client in
            let plain = try await client.logIn()
            #expect(plain.status == .ok)
            #expect((plain.object["authToken"] != nil) == (transport == .bearer))
            #expect((plain.headers[.authToken] != nil) == (transport == .bearer))
            #expect((plain.cookieToken != nil) == (transport == .cookie))

            let other = transport == .cookie ? "bearer" : "cookie"
            let overridden = try await client.logIn(headers: [.transport: other])
            #expect(overridden.status == .ok)
            #expect((overridden.object["authToken"] != nil) == (transport == .cookie))
            #expect((overridden.cookieToken != nil) == (transport == .bearer))
        }
    }

    @Test("An unknown Gatehouse-Transport is 400 InvalidRequest and starts no session", arguments: ["jwt", "cookie, bearer", "", "header"])
    func unknownTransport(value: String) async throws {
        let harness = try Harness()
        let account = try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn(headers: [.transport: value])
            #expect(login.status == .badRequest)
            #expect(login.errorCode == "InvalidRequest")
            #expect(login.headers[values: .setCookie].isEmpty)
            #expect(login.headers[.authToken] == nil)
        }
        #expect(try await harness.accounts.sessions(ofAccount: account.accountID).isEmpty)
    }

    @Test("Gatehouse-Transport: cookie on a server without cookies is 400, not a login without a token")
    func cookieTransportWithoutCookies() async throws {
        var configuration = GatehouseHTTPConfiguration()
        configuration.cookie.enabled = false
        let harness = try Harness(http: configuration)
        let account = try await harness.createAccount()
        try await harness.live { client in
            let login = try await client.logIn(headers: [.transport: "cookie"])
            #expect(login.status == .badRequest)
            #expect(login.errorCode == "InvalidRequest")
        }
        #expect(try await harness.accounts.sessions(ofAccount: account.accountID).isEmpty)
    }

    @Test("A CORS preflight from an allowed origin allows Gatehouse-Transport and the CSRF header")
    func preflightAllowsTransportHeader() async throws {
        let harness = try Harness(http: GatehouseHTTPConfiguration(cors: .init(allowedOrigins: ["https://app.example.com"])))
        try await harness.live { client in
            let preflight = try await client.send(
                .options,
                "/v1/login",
                headers: [
                    .origin: "https://app.example.com", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "content-type, gatehouse-transport",
                ]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example.com")
            let allowed = Set(
                (preflight.headers[.accessControlAllowHeaders] ?? "").split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces).lowercased()
                }
            )
            #expect(allowed.isSuperset(of: ["gatehouse-transport", "x-gatehouse-csrf", "content-type"]))
        }
    }
}
