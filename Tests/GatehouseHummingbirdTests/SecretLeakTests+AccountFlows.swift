import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse
import GatehouseHummingbird
import GatehouseMail
import GatehouseSQLite
import GatehouseTesting
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

extension SecretLeakTests {
    /// Keeps what the courier delivered, the one place a link may appear.
    final class Mailbox: MailTransport {
        private let delivered = Mutex<[MailMessage]>([])
        var messages: [MailMessage] { delivered.withLock { $0 } }

        func send(_ message: MailMessage) async throws(MailDeliveryError) {
            delivered.withLock { $0.append(message) }
        }

        /// The token of the newest link in a message to `recipient`.
        func newestToken(to recipient: String) throws -> String {
            let message = try #require(messages.last { $0.to == recipient })
            let match = try #require(message.text.firstMatch(of: /token=([A-Za-z0-9_-]+)/))
            return String(match.1)
        }
    }

    @Test("Account flows and mail: no link, one-time token, its digest or a new password in any log, error or response")
    func accountFlowsLeakNothing() async throws {
        let logs = LogCapture()
        let clock = ManualWallClock()
        var sessionOptions = SessionsOptions(keyRing: KeyRing(signingKey: try SigningKey.generate(kid: "leak-test-key")))
        sessionOptions.clock = clock
        sessionOptions.logger = logs.logger(label: "gatehouse.sessions")
        var options = AccountsOptions(sessions: sessionOptions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4)
        options.links = MessageLinks(baseURL: "https://app.example.com")
        options.sendsVerificationOnSignUp = true
        let store = try SQLiteStore.inMemory(clock: clock, logger: logs.logger(label: "gatehouse.sqlite"))
        let accounts = Accounts(store: store, options: options)
        let mailbox = Mailbox()
        let courier = Courier(
            store: store,
            transport: mailbox,
            renderer: try MessageRenderer(sender: "Gatehouse <no-reply@example.com>"),
            clock: clock,
            logger: logs.logger(label: "gatehouse.mail")
        )

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

        let newPasswords = ["a brand new passphrase 1", "a changed passphrase 22", "weak"]
        let oneTimeTokens = Mutex<[String]>([])
        let seen = Transcript()
        try await app.test(.live) { client in
            @discardableResult
            func send(
                _ method: HTTPRequest.Method,
                _ path: String,
                _ credential: Credential = .none,
                json: String? = nil
            ) async throws -> TestResponse {
                let response = try await client.send(method, path, credential, json: json, userAgent: Self.userAgent)
                seen.record(response)
                return response
            }
            func delivered(to recipient: String) async throws -> String {
                try await courier.deliverDueMessages()
                let token = try mailbox.newestToken(to: recipient)
                oneTimeTokens.withLock { $0.append(token) }
                return token
            }
            let signUp = #"{"username":"alice","email":"alice@example.com","password":"\#(Self.password)"}"#
            #expect(try await send(.post, "/v1/accounts", json: signUp).status == .created)
            let verification = try await delivered(to: "alice@example.com")
            #expect(try await send(.post, "/v1/verification/confirm", json: #"{"token":"\#(verification)"}"#).status == .ok)
            #expect(try await send(.post, "/v1/verification/confirm", json: #"{"token":"\#(verification)"}"#).errorCode == "InvalidToken")

            #expect(try await send(.post, "/v1/recovery", json: #"{"email":"nobody@example.com"}"#).status == .accepted)
            #expect(try await send(.post, "/v1/recovery", json: #"{"email":"alice@example.com"}"#).status == .accepted)
            let reset = try await delivered(to: "alice@example.com")
            let weak = #"{"token":"\#(reset)","password":"\#(newPasswords[2])"}"#
            #expect(try await send(.post, "/v1/recovery/confirm", json: weak).errorCode == "WeakPassword")
            let confirm = #"{"token":"\#(reset)","password":"\#(newPasswords[0])"}"#
            #expect(try await send(.post, "/v1/recovery/confirm", json: confirm).status == .ok)
            #expect(try await send(.post, "/v1/recovery/confirm", json: confirm).errorCode == "InvalidToken")

            let login = try await send(.post, "/v1/login", json: #"{"username":"alice","password":"\#(newPasswords[0])"}"#)
            let token = try #require(login.object["authToken"] as? String)
            let change = #"{"currentPassword":"\#(newPasswords[0])","newPassword":"\#(newPasswords[1])"}"#
            let changed = try await send(.post, "/v1/password", .bearer(token), json: change)
            let renewed = try #require(changed.object["authToken"] as? String)
            let emailChange = #"{"email":"alice.new@example.com","password":"\#(newPasswords[1])"}"#
            #expect(try await send(.post, "/v1/email", .bearer(renewed), json: emailChange).status == .accepted)
            let confirmation = try await delivered(to: "alice.new@example.com")
            #expect(try await send(.post, "/v1/verification/confirm", json: #"{"token":"\#(confirmation)"}"#).status == .ok)
            #expect(try await send(.delete, "/v1/accounts/me", .bearer(renewed), json: #"{"password":"\#(newPasswords[1])"}"#).status == .ok)
        }

        let tokens = oneTimeTokens.withLock { $0 }
        #expect(tokens.count == 3)
        #expect(
            mailbox.messages.count == 4,
            "a verification, a reset, an address confirmation, a notice to the old address, and nothing for the unknown one"
        )
        #expect(try await store.messages(status: .sent, limit: 100).allSatisfy { $0.payload.isEmpty }, "a sent message keeps no link")

        var secrets: [(what: String, text: String)] = newPasswords.filter { $0.count >= 8 }.map { ("new password", $0) }
        for token in tokens {
            secrets.append(("one-time token", token))
            secrets += Self.encodings(of: Array(SHA256.hash(data: Array(token.utf8))), as: "stored digest of a one-time token")
        }
        let logLines = logs.records.map(\.text)
        #expect(logLines.contains { $0.contains("message delivered") }, "the courier was logged")
        let places: [(String, [String])] = [("log", logLines), ("core error", errors.all), ("response", seen.all)]
        for (place, texts) in places {
            for secret in secrets {
                let leaks = texts.filter { $0.contains(secret.text) }
                #expect(leaks.isEmpty, "\(secret.what) appears in a \(place): \(leaks.first.map { String($0.prefix(200)) } ?? "")")
            }
        }
        for (place, texts) in places.prefix(2) {
            #expect(
                !texts.contains { $0.contains("alice@example.com") || $0.contains("alice.new@example.com") },
                "an e-mail address appears in a \(place)"
            )
        }
    }
}
