import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse
import GatehouseHummingbird
import GatehouseSQLite
import GatehouseTesting
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Runs the whole life of a session over a real socket — sign-up, failed and successful logins,
/// renewals, a tampered token, a replayed token (theft), logout — with every logger of every layer
/// captured at trace level, every error the core raises captured through its error hook, and every
/// response kept; then looks for every secret of the run in all of it.
///
/// Secrets: each token issued, its payload and signature segments, its `rnd` secret (base64url,
/// base64, hex), the digests the store keeps, the passwords typed, the stored password hash, the
/// signing key and the key derived from it for the user-agent binding. A token may only appear where
/// it is delivered: the `authToken` field of a login or refresh answer, `Auth-Token`, `Set-Cookie`.
@Suite("Secrets stay secret")
struct SecretLeakTests {
    static let password = "tr0ub4dor & correct horse"
    static let wrongPassword = "an entirely wrong guess 42"
    static let userAgent = "SecretLeakTests/1.0"

    /// Everything the run showed to a client: response heads and bodies, minus the places a token is
    /// meant to be delivered.
    final class Transcript: Sendable {
        private let texts = Mutex<[String]>([])
        private let tokens = Mutex<[String]>([])

        var all: [String] { texts.withLock { $0 } }
        var issuedTokens: [String] { tokens.withLock { $0 } }

        func issued(_ token: String?) {
            guard let token, !token.isEmpty else { return }
            tokens.withLock { if !$0.contains(token) { $0.append(token) } }
        }

        func record(_ text: String) {
            texts.withLock { $0.append(text) }
        }

        /// Keeps what a client saw: the status, every header but `Auth-Token` and `Set-Cookie` (noted
        /// as issued tokens instead), and the body without its `authToken` field.
        func record(_ response: TestResponse) {
            issued(response.headers[HTTPField.Name("Auth-Token")!])
            for cookie in response.headers[values: .setCookie] {
                issued(String(cookie.prefix { $0 != ";" }.drop { $0 != "=" }.dropFirst()))
            }
            let heads = response.headers.filter { $0.name != .setCookie && $0.name.canonicalName != "auth-token" }
                .map { "\($0.name): \($0.value)" }
            var body = String(buffer: response.body)
            if var object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any], let token = object["authToken"] as? String {
                issued(token)
                object["authToken"] = "<delivered>"
                body = String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }
            record("\(response.status.code) " + heads.joined(separator: "; ") + " " + body)
        }
    }

    @Test("No token, token secret, password, password hash or key material in any log, error or response")
    func fullFlowLeaksNothing() async throws {
        let logs = LogCapture()
        let clock = ManualWallClock()
        let signingKey = try SigningKey.generate(kid: "leak-test-key")
        var sessionOptions = SessionsOptions(keyRing: KeyRing(signingKey: signingKey))
        sessionOptions.clock = clock
        sessionOptions.logger = logs.logger(label: "gatehouse.sessions")
        var options = AccountsOptions(sessions: sessionOptions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        let store = try SQLiteStore.inMemory(clock: clock, logger: logs.logger(label: "gatehouse.sqlite"))
        let accounts = Accounts(store: store, options: options)

        // Every error the core and the routes throw, as thrown, before it becomes a response.
        let errors = Transcript()
        let router = Router(context: GatehouseRequestContext.self)
        router.add(middleware: GatehouseErrorMiddleware(logger: logs.logger(label: "gatehouse.http")))
        router.add(middleware: ErrorCapture(transcript: errors))
        addGatehouseRoutes(to: router, accounts: accounts)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: logs.logger(label: "hummingbird")
        )

        let seen = Transcript()
        try await app.test(.live) { client in
            @discardableResult
            func send(
                _ method: HTTPRequest.Method,
                _ path: String,
                _ credential: Credential = .none,
                json: String? = nil,
                headers: HTTPFields = [:],
                userAgent: String = Self.userAgent
            ) async throws -> TestResponse {
                let response = try await client.send(method, path, credential, json: json, headers: headers, userAgent: userAgent)
                seen.record(response)
                return response
            }
            let signUp = #"{"username":"alice","email":"alice@example.com","password":"\#(Self.password)"}"#
            #expect(try await send(.post, "/v1/accounts", json: signUp).status == .created)
            #expect(try await send(.post, "/v1/accounts", json: signUp).status == .conflict)
            #expect(
                try await send(.post, "/v1/accounts", json: #"{"username":"bob","email":"not an address","password":"\#(Self.password)"}"#).status
                    == .badRequest
            )
            #expect(try await send(.post, "/v1/login", json: #"{"username":"alice","password":"\#(Self.wrongPassword)"}"#).status == .unauthorized)
            #expect(try await send(.post, "/v1/login", json: #"{"username":"nobody","password":"\#(Self.password)"}"#).status == .unauthorized)

            let login = try await send(.post, "/v1/login", json: #"{"username":"alice","password":"\#(Self.password)"}"#)
            let first = try #require(login.object["authToken"] as? String)
            let second = try #require(try await send(.get, "/v1/me", .bearer(first)).renewedToken)
            let third = try #require(try await send(.post, "/v1/refresh", .bearer(second)).object["authToken"] as? String)
            let fourth = try #require(try await send(.get, "/v1/sessions", .bearer(third)).renewedToken)

            var tampered = Array(fourth.utf8)
            tampered[tampered.count - 5] = tampered[tampered.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(try await send(.get, "/v1/me", .bearer(String(decoding: tampered, as: UTF8.self))).errorCode == "TokenVerificationFailed")
            seen.issued(String(decoding: tampered, as: UTF8.self))
            #expect(try await send(.get, "/v1/me", .bearer(fourth), userAgent: "Another/2").errorCode == "InvalidSession")

            // Theft: the second token, superseded long ago, replayed after the grace period.
            clock.advance(by: 60)
            #expect(try await send(.get, "/v1/me", .bearer(second)).errorCode == "TokenTheftDetected")
            #expect(try await send(.get, "/v1/me", .bearer(fourth)).errorCode == "InvalidSession")

            let cookieLogin = try await send(.post, "/v1/login", json: #"{"username":"alice","password":"\#(Self.password)"}"#)
            let cookie = try #require(cookieLogin.cookieToken)
            let renewedCookie = try #require(try await send(.get, "/v1/me", .cookie(cookie)).cookieToken)
            #expect(try await send(.post, "/v1/logout", .cookie(renewedCookie), headers: [.csrf: "1"]).status == .ok)
            #expect(try await send(.get, "/v1/me", .cookie(renewedCookie)).errorCode == "InvalidSession")
            #expect(try await send(.post, "/v1/logout", .bearer(renewedCookie)).status == .unauthorized)
            #expect(try await send(.delete, "/v1/sessions/unknown", .bearer(cookie)).status == .unauthorized)
        }

        let account = try #require(try await store.account(username: "alice"))
        let passwordHash = try #require(try await store.passwordHash(accountID: account.accountID))
        let sessions = try await store.sessions(accountID: account.accountID, includeInvalid: true)
        #expect(sessions.count == 2 && sessions.allSatisfy { !$0.valid }, "the flow ended both sessions")
        #expect(seen.issuedTokens.count >= 7)

        var secrets: [(what: String, text: String)] = [
            ("password", Self.password), ("mistyped password", Self.wrongPassword),
            ("password hash", passwordHash), ("part of the password hash", String(passwordHash.dropFirst(40).prefix(32))),
        ]
        for token in seen.issuedTokens {
            let segments = token.split(separator: ".").map(String.init)
            secrets.append(("token", token))
            if segments.count == 3 {
                secrets.append(("token payload", segments[1]))
                secrets.append(("token signature", segments[2]))
                if let rnd = Self.claims(of: token)["rnd"] as? String, let bytes = Base64URL.decode(rnd) {
                    secrets += Self.encodings(of: bytes, as: "token secret (rnd)")
                    secrets += Self.encodings(of: Array(SHA256.hash(data: bytes)), as: "stored digest of rnd")
                }
            }
        }
        for session in sessions {
            secrets += Self.encodings(of: session.currentHash, as: "stored current digest")
        }
        let keyBytes = signingKey.secretBytes
        secrets += Self.encodings(of: keyBytes, as: "signing key")
        let userAgentKey = HMAC<SHA256>.authenticationCode(for: Array("gatehouse.user-agent-binding".utf8), using: SymmetricKey(data: keyBytes))
        secrets += Self.encodings(of: Array(userAgentKey), as: "user-agent binding key")

        let logLines = logs.records.map(\.text)
        #expect(logLines.count > 10, "the run was logged")
        #expect(!errors.all.isEmpty, "the core's errors were captured")
        let places: [(String, [String])] = [("log", logLines), ("core error", errors.all), ("response", seen.all)]
        for (place, texts) in places {
            for secret in secrets where secret.text.count >= 8 {
                let leaks = texts.filter { $0.contains(secret.text) }
                #expect(leaks.isEmpty, "\(secret.what) appears in a \(place): \(leaks.first.map { String($0.prefix(200)) } ?? "")")
            }
        }
        // Personal data stays out of the logs and errors too (the account's own answers may show it).
        for (place, texts) in places.prefix(2) {
            #expect(!texts.contains { $0.contains("alice@example.com") }, "the e-mail address appears in a \(place)")
        }
    }

    /// The byte string as it could be printed: base64url, base64 and hex (both cases).
    static func encodings(of bytes: [UInt8], as what: String) -> [(what: String, text: String)] {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        return [
            (what, Base64URL.encode(bytes)), (what, Data(bytes).base64EncodedString()),
            (what, hex), (what, hex.uppercased()), (what, String(describing: bytes)),
        ]
    }

    static func claims(of token: String) -> [String: Any] {
        let segments = token.split(separator: ".")
        guard segments.count == 3, let payload = Base64URL.decode(Array(segments[1].utf8)) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] ?? [:]
    }
}

/// Records the description of every error that passes through it, and rethrows it.
struct ErrorCapture<Context: RequestContext>: RouterMiddleware {
    let transcript: SecretLeakTests.Transcript

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            transcript.record("\(error)")
            transcript.record(String(reflecting: error))
            throw error
        }
    }
}
