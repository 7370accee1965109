import Foundation
import Gatehouse
import GatehouseVerifier
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("AccessTokenMiddleware in a service downstream")
struct AccessTokenMiddlewareTests {
    /// A downstream service: `/invoices` answers the account id the token speaks for.
    static func service(verifier: AccessTokenVerifier, required: Bool = true) -> Application<RouterResponder<AccessTokenRequestContext>> {
        let router = Router(context: AccessTokenRequestContext.self)
        router.add(middleware: AccessTokenMiddleware(verifier: verifier, required: required))
        router.get("/invoices") { _, context -> String in
            context.accessToken.map { "invoices of \($0.accountID)" } ?? "no token"
        }
        return Application(router: router)
    }

    static func get(_ client: some TestClientProtocol, authorization: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: "/invoices", method: .get, headers: headers)
    }

    static func errorCode(_ response: TestResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: [String: String]]
        return object?["error"]?["code"]
    }

    @Test("a valid token reaches the route with its claims; anything else is 401 with WWW-Authenticate")
    func authenticates() async throws {
        let server = try IssuingServer()
        try await server.run { issuer, url in
            let (token, accountID) = try await issuer.accessToken()
            let (otherAudience, _) = try await issuer.accessToken(audience: "payroll")
            let verifier = AccessTokenVerifier(configuration: .init(keySetURL: url, issuer: IssuingServer.issuer, audience: "billing"))
            try await Self.service(verifier: verifier).test(.router) { client in
                let ok = try await Self.get(client, authorization: "Bearer \(token)")
                #expect(ok.status == .ok)
                #expect(String(buffer: ok.body) == "invoices of \(accountID)")
                let lowerCase = try await Self.get(client, authorization: "bearer \(token)")
                #expect(lowerCase.status == .ok)

                let missing = try await Self.get(client, authorization: nil)
                #expect(missing.status == .unauthorized)
                #expect(missing.headers[.wwwAuthenticate] == "Bearer")
                #expect(Self.errorCode(missing) == "Unauthorized")

                for bad in ["Bearer \(token)x", "Bearer \(otherAudience)", "Bearer \(String(repeating: "a", count: 5000))"] {
                    let refused = try await Self.get(client, authorization: bad)
                    #expect(refused.status == .unauthorized)
                    #expect(refused.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#)
                    #expect(Self.errorCode(refused) == "TokenVerificationFailed")
                    #expect(!String(buffer: refused.body).contains(token))
                }
                for malformed in ["Basic \(token)", "Bearer", "Bearer a b", "Token \(token)"] {
                    let refused = try await Self.get(client, authorization: malformed)
                    #expect(refused.status == .badRequest)
                    #expect(refused.headers[.wwwAuthenticate] == #"Bearer error="invalid_request""#)
                }
            }
        }
    }

    @Test("an optional middleware lets requests without a token through, but not bad tokens")
    func optional() async throws {
        let server = try IssuingServer()
        try await server.run { _, url in
            let verifier = AccessTokenVerifier(configuration: .init(keySetURL: url, issuer: IssuingServer.issuer, audience: "billing"))
            try await Self.service(verifier: verifier, required: false).test(.router) { client in
                let anonymous = try await Self.get(client, authorization: nil)
                #expect(anonymous.status == .ok)
                #expect(String(buffer: anonymous.body) == "no token")
                let bad = try await Self.get(client, authorization: "Bearer a.b.c")
                #expect(bad.status == .unauthorized)
            }
        }
    }

    @Test("when the issuer's keys cannot be fetched the answer is 503 KeySetUnavailable")
    func issuerDown() async throws {
        let server = try IssuingServer()
        try await server.run { issuer, _ in
            let (token, _) = try await issuer.accessToken()
            let verifier = AccessTokenVerifier(
                configuration: .init(
                    keySetURL: "http://127.0.0.1:9/.well-known/jwks.json",
                    issuer: IssuingServer.issuer,
                    audience: "billing",
                    fetchTimeout: .seconds(1)
                )
            )
            try await Self.service(verifier: verifier).test(.router) { client in
                let response = try await Self.get(client, authorization: "Bearer \(token)")
                #expect(response.status == .serviceUnavailable)
                #expect(Self.errorCode(response) == "KeySetUnavailable")
            }
        }
    }
}
