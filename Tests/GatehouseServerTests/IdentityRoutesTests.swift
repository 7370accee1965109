import Foundation
import Gatehouse
import Hummingbird
import HummingbirdTesting
import Testing

@testable import GatehouseServer

/// The identity provider routes as `gatehouse serve` mounts them, without a provider to talk to: what
/// they refuse before any provider is asked, and how an old session cookie is treated.
@Suite("Identity provider routes")
struct IdentityRoutesTests {
    static func application() throws -> ServerApplication.App {
        var configuration = ServerConfiguration()
        // Never contacted: every request here is answered before discovery.
        configuration.identityProviders = [IdentityProviderSetting(name: "test", issuer: "http://127.0.0.1:9", clientID: "client")]
        let accounts = makeAccounts(
            store: MemoryStore(),
            ring: KeyRing(signingKey: try SigningKey(kid: "routes", secret: "identity-routes-test-secret-0123456789"))
        )
        return try ServerApplication.make(accounts: accounts, configuration: configuration, logger: quietLogger)
    }

    static func error(_ response: TestResponse) throws -> [String: String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        return try #require(object["error"] as? [String: String])
    }

    @Test("a session cookie that authenticates no one does not stop a provider login; it is cleared")
    func staleCookie() async throws {
        try await Self.application().test(.router) { client in
            let stale: HTTPFields = [.cookie: "__Host-gatehouse=eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", .userAgent: "tests"]
            let unknown = try await client.execute(uri: "/v1/oidc/nope/start", method: .get, headers: stale)
            #expect(unknown.status == .notFound)
            #expect(try Self.error(unknown)["code"] == "ProviderNotFound")
            #expect(unknown.headers[values: .setCookie].contains { $0.hasPrefix("__Host-gatehouse=;") && $0.contains("Max-Age=0") })

            let callback = try await client.execute(uri: "/v1/oidc/test/callback?state=x&code=y", method: .get, headers: stale)
            #expect(callback.status == .unauthorized)
            #expect(
                try Self.error(callback) == [
                    "code": "IdentityVerificationFailed", "detail": "state", "message": try Self.error(callback)["message"] ?? "",
                ]
            )
            let cleared = callback.headers[values: .setCookie]
            #expect(cleared.contains { $0.hasPrefix("gatehouse_oidc=;") } && cleared.contains { $0.hasPrefix("__Host-gatehouse=;") })

            // Elsewhere the same cookie is refused as before.
            let listed = try await client.execute(uri: "/v1/identities", method: .get, headers: stale)
            #expect(listed.status == .unauthorized)
        }
    }

    @Test("refusals name their detail: a return address elsewhere, no session to link from")
    func refusals() async throws {
        try await Self.application().test(.router) { client in
            let headers: HTTPFields = [.userAgent: "tests"]
            for target in ["//evil.example", "https://evil.example/"] {
                let escaped = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                let response = try await client.execute(uri: "/v1/oidc/test/start?return_to=\(escaped)", method: .get, headers: headers)
                #expect(response.status == .badRequest)
                #expect(try Self.error(response)["detail"] == "return_to")
                #expect(response.headers[.setCookie] == nil)
            }
            let link = try await client.execute(uri: "/v1/identities/test", method: .post, headers: headers)
            #expect(link.status == .unauthorized)
            #expect(try Self.error(link)["code"] == "Unauthorized")
            let unlink = try await client.execute(uri: "/v1/identities/01JUNKNOWN", method: .delete, headers: headers)
            #expect(unlink.status == .unauthorized)
            let native = try await client.execute(
                uri: "/v1/oidc/test/token",
                method: .post,
                headers: [.userAgent: "tests", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"nonce":"n"}"#)
            )
            #expect(native.status == .badRequest)
            #expect(try Self.error(native)["detail"] == "body")
        }
    }
}
