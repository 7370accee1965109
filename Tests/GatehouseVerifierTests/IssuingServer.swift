import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseTesting
import GatehouseVerifier
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// A Gatehouse server that issues access tokens, served on a real loopback socket: the JWKS the
/// verifier fetches comes over HTTP from it.
struct IssuingServer: Sendable {
    static let issuer = "https://auth.example.test"
    static let password = "correct horse battery"
    static let userAgent = "GatehouseVerifierTests/1.0"

    let ring = KeyRing(signingKey: try! SigningKey(kid: "k1", secret: "verifier-tests-first-key-0123456789abcdef"))
    let accounts: Accounts

    init() throws {
        var sessions = SessionsOptions(keyRing: ring)
        sessions.accessTokens = try AccessTokenOptions(issuer: Self.issuer, lifetime: .seconds(300))
        sessions.logger = Logger(label: "gatehouse.sessions", factory: { _ in SwiftLogNoOpLogHandler() })
        var options = AccountsOptions(sessions: sessions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        accounts = Accounts(store: MemoryStore(), options: options)
    }

    /// Runs `body` with the server listening on 127.0.0.1 and a client for it.
    func run<Value: Sendable>(_ body: @Sendable (_ client: any TestClientProtocol, _ keySetURL: String) async throws -> Value) async throws -> Value {
        let router = makeGatehouseRouter(accounts: accounts, logger: Logger(label: "http", factory: { _ in SwiftLogNoOpLogHandler() }))
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        _ = try await accounts.createAccount(CreateAccountInput(username: "alice", email: "alice@example.com", password: Self.password))
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            return try await body(client, "http://127.0.0.1:\(port)/.well-known/jwks.json")
        }
    }
}

extension TestClientProtocol {
    /// Logs Alice in and asks for an access token for `audience`; returns it with the session token
    /// the request ended with.
    func accessToken(audience: String = "billing") async throws -> (accessToken: String, accountID: String) {
        var headers = HTTPFields()
        headers[.userAgent] = IssuingServer.userAgent
        headers[.contentType] = "application/json"
        let login = try await execute(
            uri: "/v1/login",
            method: .post,
            headers: headers,
            body: ByteBuffer(string: #"{"username":"alice","password":"\#(IssuingServer.password)"}"#)
        )
        #expect(login.status == .ok)
        let loginBody = try #require(try JSONSerialization.jsonObject(with: Data(login.body.readableBytesView)) as? [String: Any])
        let token = try #require(loginBody["authToken"] as? String)
        let accountID = try #require((loginBody["account"] as? [String: Any])?["accountId"] as? String)
        headers[.authorization] = "Bearer \(token)"
        let issued = try await execute(uri: "/v1/token", method: .post, headers: headers, body: ByteBuffer(string: #"{"audience":"\#(audience)"}"#))
        #expect(issued.status == .ok)
        let issuedBody = try #require(try JSONSerialization.jsonObject(with: Data(issued.body.readableBytesView)) as? [String: Any])
        return (try #require(issuedBody["accessToken"] as? String), accountID)
    }
}

/// The real HTTP source, counted: how often the verifier went to the issuer.
final class CountingKeySetSource: KeySetSource {
    let inner: any KeySetSource
    private let count = Mutex(0)

    init(_ inner: any KeySetSource) { self.inner = inner }

    var fetches: Int { count.withLock { $0 } }

    func fetchKeySet() async throws -> Data {
        count.withLock { $0 += 1 }
        return try await inner.fetchKeySet()
    }
}
