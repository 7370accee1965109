import Crypto
import Foundation
import Gatehouse
import GatehouseTesting
import Testing

/// An outbox message of the account flows with its payload decoded: the values its template is
/// rendered from.
struct QueuedMail: Sendable {
    let message: OutboxMessage
    let values: [String: String]

    init(_ message: OutboxMessage) throws {
        self.message = message
        let object = try JSONSerialization.jsonObject(with: Data(message.payload.utf8))
        values = try #require(object as? [String: String], "the payload is a flat object of strings: \(message.payload)")
    }

    var recipient: String { message.recipient }
    var kind: String { message.kind }

    /// The one-time token of the message's link (`…?token=<value>`).
    func token(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let link = try #require(values["link"], "the message has no link", sourceLocation: sourceLocation)
        let components = try #require(URLComponents(string: link), sourceLocation: sourceLocation)
        let tokens = (components.queryItems ?? []).filter { $0.name == "token" }
        #expect(tokens.count == 1, "one token in \(link)", sourceLocation: sourceLocation)
        return try #require(tokens.first?.value, sourceLocation: sourceLocation)
    }
}

/// The clients the flow tests make requests from.
enum FlowClient {
    static let home = ConnectionInfo(ip: "203.0.113.7", userAgent: "FlowTests/1.0 (home)")
    static let office = ConnectionInfo(ip: "198.51.100.20", userAgent: "FlowTests/1.0 (office)")
    static let phone = ConnectionInfo(ip: "192.0.2.55", userAgent: "FlowTests/1.0 (phone)")

    /// A client at `ip`.
    static func at(_ ip: String) -> ConnectionInfo { ConnectionInfo(ip: ip, userAgent: "FlowTests/1.0") }
}

/// The digest the store keeps of a one-time token: SHA-256 of its text, computed here independently of
/// the library.
func storedDigest(of token: String) -> [UInt8] {
    Array(SHA256.hash(data: Data(token.utf8)))
}

/// The bytes a base64url token (no padding) decodes to, or `nil` when it is not base64url.
func base64URLDecoded(_ text: String) -> [UInt8]? {
    guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    return Data(base64Encoded: base64).map { Array($0) }
}

extension World {
    /// Every message in the outbox (pending, sent or failed), optionally only those of `kind` and to
    /// `recipient`, read through the store's outbox listing.
    func outbox(kind: String? = nil, to recipient: String? = nil) async throws -> [QueuedMail] {
        try await store.messages(status: nil, limit: 1_000)
            .filter { kind == nil || $0.kind == kind }
            .filter { recipient == nil || $0.recipient == recipient }
            .map(QueuedMail.init)
    }

    /// The one message of `kind` to `recipient`; fails the test unless there is exactly one.
    func onlyMail(_ kind: String, to recipient: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> QueuedMail {
        let found = try await outbox(kind: kind, to: recipient)
        #expect(found.count == 1, "\(found.count) \(kind) messages to \(recipient)", sourceLocation: sourceLocation)
        return try #require(found.first, sourceLocation: sourceLocation)
    }

    /// Logs the fixture account in from `client` through `Accounts.logIn`.
    func signIn(_ client: ConnectionInfo = FlowClient.home, password: String = Fixture.password) async throws -> Authentication {
        try await accounts.logIn(username: Fixture.username, password: password, client: client)
    }

    /// Asks for a verification message for `accountID` and returns the token of its link.
    func verificationToken(for accountID: String, client: ConnectionInfo = FlowClient.home) async throws -> String {
        let before = Set(try await outbox(kind: AccountMessage.verifyEmail).map(\.message.id))
        try await accounts.requestEmailVerification(accountID: accountID, client: client)
        let added = try await outbox(kind: AccountMessage.verifyEmail).filter { !before.contains($0.message.id) }
        #expect(added.count == 1, "one verification message per request")
        return try #require(added.first).token()
    }

    /// Asks for a recovery message for `email` and returns the token of its link.
    func recoveryToken(for email: String = Fixture.email, client: ConnectionInfo = FlowClient.home) async throws -> String {
        let before = Set(try await outbox(kind: AccountMessage.resetPassword).map(\.message.id))
        try await accounts.requestPasswordRecovery(email: email, client: client)
        let added = try await outbox(kind: AccountMessage.resetPassword).filter { !before.contains($0.message.id) }
        #expect(added.count == 1, "one reset message per request")
        return try #require(added.first).token()
    }

    /// Whether `token` (a session token) still authenticates, and how it fails when it does not.
    func sessionOutcome(_ token: String, client: ConnectionInfo) async -> AccountError.Code? {
        do {
            _ = try await sessions.authenticate(token: token, client: client)
            return nil
        } catch let error as AccountError {
            return error.code
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }
}
