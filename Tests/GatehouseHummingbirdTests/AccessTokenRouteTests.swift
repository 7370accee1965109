import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Access tokens over HTTP: POST /v1/token and the JWKS")
struct AccessTokenRouteTests {
    static let issuer = "https://auth.example.test"

    /// A harness whose sessions sign with a key ring and issue access tokens.
    static func harness(ring: KeyRing = KeyRing(signingKey: try! SigningKey(kid: "k1", secret: Harness.secret))) throws -> Harness {
        let settings = try AccessTokenOptions(issuer: issuer, lifetime: .seconds(120))
        return try Harness(sessions: { options in
            options.keyRing = ring
            options.accessTokens = settings
        })
    }

    func verify(_ token: String, harness: Harness, audience: String) throws -> AccessTokenClaims {
        let codec = AccessTokenCodec()
        let parsed = try codec.parse(token)
        let document = try JSONEncoder().encode(JSONWebKeySet(publishing: harness.accounts.sessions.accessTokenKeys()))
        let key = try #require(try JSONWebKeySet.ed25519Keys(in: document)[parsed.kid])
        let now = Int64(harness.clock.now().timeIntervalSince1970)
        return try codec.verify(parsed, with: key, expecting: .init(issuer: Self.issuer, audience: audience, leeway: 0), now: now)
    }

    @Test("POST /v1/token answers an access token for the caller's session and the audience asked for")
    func issuesAToken() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let login = try await client.logIn()
            let token = try #require(login.object["authToken"] as? String)
            let session = login.object[object: "session"]
            let response = try await client.send(.post, "/v1/token", .bearer(token), json: #"{"audience":"billing"}"#)
            #expect(response.status == .ok)
            #expect(Set(response.object.keys) == ["accessToken", "expiresAt"])
            #expect(response.headers[.cacheControl] == "no-store")
            let accessToken = try #require(response.object["accessToken"] as? String)
            let claims = try verify(accessToken, harness: harness, audience: "billing")
            #expect(claims.accountID == login.object[object: "account"]["accountId"] as? String)
            #expect(claims.sessionID == session["id"] as? String)
            #expect(claims.issuer == Self.issuer)
            #expect(claims.expiresAt - claims.issuedAt == 120)
            #expect(response.object["expiresAt"] as? String == "2023-11-14T22:15:20Z")
            // The request renewed the session token as every request does, once.
            #expect(response.renewedToken != nil)
            #expect(!harness.logs.mention(accessToken))
        }
    }

    @Test("without a body the audience is the issuer; an empty JSON object is the same")
    func defaultAudience() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            var token = try await client.token()
            let bare = try await client.send(.post, "/v1/token", .bearer(token))
            #expect(bare.status == .ok)
            #expect(try verify(try #require(bare.object["accessToken"] as? String), harness: harness, audience: Self.issuer).audience == Self.issuer)
            token = try #require(bare.renewedToken)
            let empty = try await client.send(.post, "/v1/token", .bearer(token), json: "{}")
            #expect(empty.status == .ok)
        }
    }

    @Test(
        "bad requests are refused with the documented code and no token",
        arguments: [
            (#"{"audience":""}"#, "application/json", 400, "InvalidRequest"),
            (#"{"audience":"two words"}"#, "application/json", 400, "InvalidRequest"),
            (#"{"audience":"\#(String(repeating: "a", count: 257))"}"#, "application/json", 400, "InvalidRequest"),
            (#"{"audience":7}"#, "application/json", 400, "InvalidRequest"),
            (#"{"audience":"billing"}"#, "text/plain", 415, "UnsupportedMediaType"),
            ("", "application/json", 400, "InvalidRequest"),
            (#"{"audience":"billing"}"#, nil, 415, "UnsupportedMediaType"),
        ] as [(String, String?, Int, String)]
    )
    func badRequests(body: String, contentType: String?, status: Int, code: String) async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            var headers = HTTPFields()
            headers[.userAgent] = Harness.userAgent
            headers[.authorization] = "Bearer \(token)"
            if let contentType { headers[.contentType] = contentType }
            let response = try await client.execute(uri: "/v1/token", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(response.status.code == status)
            #expect(response.errorCode == code)
            #expect(response.object["accessToken"] == nil)
        }
    }

    @Test("without a session there is no access token", arguments: [Credential.none, .bearer("not-a-token"), .cookie("x.y.z")])
    func unauthenticated(credential: Credential) async throws {
        let harness = try Self.harness()
        try await harness.test { client in
            let response = try await client.send(.post, "/v1/token", credential, json: "{}", headers: [.csrf: "1"])
            #expect(response.status == .unauthorized)
            #expect(response.object["accessToken"] == nil)
        }
    }

    @Test("an access token is not a session token")
    func accessTokenIsNoSessionToken() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let issued = try await client.send(.post, "/v1/token", .bearer(token))
            let accessToken = try #require(issued.object["accessToken"] as? String)
            let me = try await client.send(.get, "/v1/me", .bearer(accessToken))
            #expect(me.status == .unauthorized)
            #expect(me.errorCode == "TokenVerificationFailed")
        }
    }

    @Test("a cookie session gets access tokens only with the CSRF header")
    func cookieNeedsCSRF() async throws {
        let harness = try Self.harness()
        try await harness.createAccount()
        try await harness.test { client in
            let login = try await client.logIn(headers: [.transport: "cookie"])
            let cookie = try #require(login.cookieToken)
            let forged = try await client.send(.post, "/v1/token", .cookie(cookie), json: "{}")
            #expect(forged.status == .forbidden)
            #expect(forged.errorCode == "CSRFRejected")
            let allowed = try await client.send(.post, "/v1/token", .cookie(cookie), json: "{}", headers: [.csrf: "1"])
            #expect(allowed.status == .ok)
            #expect(allowed.object["accessToken"] is String)
        }
    }

    @Test("without access-token options the route is a configuration error, not a token")
    func notConfigured() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let token = try await client.token()
            let response = try await client.send(.post, "/v1/token", .bearer(token))
            #expect(response.status == .internalServerError)
            #expect(response.object["accessToken"] == nil)
            let keys = try await client.send(.get, "/.well-known/jwks.json")
            #expect(keys.object["keys"] as? [Any] != nil)
            #expect((keys.object["keys"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("GET /.well-known/jwks.json publishes every key of the ring, with cache headers and an ETag")
    func keySet() async throws {
        let ring = KeyRing(signingKey: try SigningKey(kid: "k1", secret: Harness.secret))
        let harness = try Self.harness(ring: ring)
        try await harness.test { client in
            let first = try await client.send(.get, "/.well-known/jwks.json")
            #expect(first.status == .ok)
            #expect(first.headers[.cacheControl] == "public, max-age=60")
            #expect(first.headers[.contentType] == "application/json; charset=utf-8")
            let keys = try #require(first.object["keys"] as? [[String: String]])
            #expect(keys.map { $0["kid"] } == ["k1"])
            #expect(keys.first?["kty"] == "OKP")
            #expect(keys.first?["crv"] == "Ed25519")
            #expect(keys.first?["d"] == nil)
            let tag = try #require(first.headers[.eTag])

            let cached = try await client.send(.get, "/.well-known/jwks.json", headers: [.ifNoneMatch: tag])
            #expect(cached.status == .notModified)
            #expect(cached.body.readableBytes == 0)

            ring.addVerificationKey(try SigningKey(kid: "k2", secret: "another-secret-of-thirty-two-bytes-or-more"))
            let changed = try await client.send(.get, "/.well-known/jwks.json", headers: [.ifNoneMatch: tag])
            #expect(changed.status == .ok)
            #expect(changed.headers[.eTag] != tag)
            #expect((changed.object["keys"] as? [[String: String]])?.map { $0["kid"] } == ["k1", "k2"])
        }
    }
}

@Suite("Responses that carry a token are not cached")
struct NoStoreTests {
    @Test("login, refresh and renewed responses say Cache-Control: no-store; /health does not")
    func tokenResponsesAreNotStored() async throws {
        let harness = try Harness()
        try await harness.createAccount()
        try await harness.test { client in
            let login = try await client.logIn()
            #expect(login.headers[.cacheControl] == "no-store")
            let token = try #require(login.object["authToken"] as? String)
            let me = try await client.send(.get, "/v1/me", .bearer(token))
            #expect(me.renewedToken != nil)
            #expect(me.headers[.cacheControl] == "no-store")
            let refreshed = try await client.send(.post, "/v1/refresh", .bearer(try #require(me.renewedToken)))
            #expect(refreshed.headers[.cacheControl] == "no-store")
            let cookieLogin = try await client.logIn(headers: [.transport: "cookie"])
            #expect(cookieLogin.headers[.cacheControl] == "no-store")
            let health = try await client.send(.get, "/health")
            #expect(health.headers[.cacheControl] == nil)
        }
    }
}
