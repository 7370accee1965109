import Crypto
import Foundation
import GatehouseMail
import LoopbackTestSupport
import NIOHTTP1
import Testing

/// `HTTPMailTransport` against a real HTTP server on loopback: the request it makes, the signature the
/// endpoint checks, and how each answer (or the lack of one) is classified.
@Suite("HTTP mail transport", .timeLimit(.minutes(1)))
struct HTTPMailTransportTests {
    static let secret = "whsec_0123456789abcdef-TOP-SECRET"

    static let message = MailMessage(
        from: "Acme <no-reply@acme.example>",
        to: "zoe@example.com",
        subject: "Confirm your e-mail address — \"Acme\"",
        text: "Hello Zoë,\nhttps://app.example.com/ui/verify?token=abc&x=1\n",
        html: "<p>Hello Zoë, <a href=\"https://app.example.com/ui/verify?token=abc&amp;x=1\">confirm</a></p>",
        messageID: "01J9ZQ4S7Y3K0000000000HTTP"
    )

    static func transport(_ server: LoopbackHTTPServer, path: String = "/mail", timeout: Duration = .seconds(30)) -> HTTPMailTransport {
        HTTPMailTransport(url: "http://127.0.0.1:\(server.port)\(path)", secret: secret, timeout: timeout)
    }

    /// `t` and `v1` of a `Gatehouse-Signature` header.
    static func signatureParts(_ header: String) throws -> (timestamp: String, mac: String) {
        let fields = Dictionary(
            uniqueKeysWithValues: header.split(separator: ",").map { field in
                let pair = field.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
            }
        )
        return (try #require(fields["t"]), try #require(fields["v1"]))
    }

    /// HMAC-SHA256 of `<timestamp>.<body>` under `secret`, in lowercase hexadecimal: what an endpoint computes.
    static func expectedMAC(timestamp: String, body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    @Test("one POST with the documented JSON body, the message id, and a signature that verifies with the secret")
    func request() async throws {
        try await LoopbackHTTPServer.with(answering: .status(.ok)) { server in
            let before = Int(Date().timeIntervalSince1970)
            try await Self.transport(server, path: "/hooks/mail?tenant=7").send(Self.message)
            let after = Int(Date().timeIntervalSince1970)

            #expect(server.requests.count == 1)
            let request = try #require(server.requests.first)
            #expect(request.method == .POST)
            #expect(request.uri == "/hooks/mail?tenant=7")
            #expect(request.headers["Content-Type"] == ["application/json"])
            #expect(request.headers["Gatehouse-Message-Id"] == [Self.message.messageID])

            let body = try JSONDecoder().decode([String: String].self, from: Data(request.body))
            #expect(
                body == [
                    "id": Self.message.messageID, "from": Self.message.from, "to": Self.message.to,
                    "subject": Self.message.subject, "text": Self.message.text, "html": Self.message.html,
                ]
            )

            let header = try #require(request.headers["Gatehouse-Signature"].first)
            let (timestamp, mac) = try Self.signatureParts(header)
            let seconds = try #require(Int(timestamp))
            #expect((before...after).contains(seconds))
            #expect(mac == Self.expectedMAC(timestamp: timestamp, body: request.body, secret: Self.secret))
            // Another secret, another timestamp or another body does not verify.
            #expect(mac != Self.expectedMAC(timestamp: timestamp, body: request.body, secret: Self.secret + "x"))
            #expect(mac != Self.expectedMAC(timestamp: String(seconds + 1), body: request.body, secret: Self.secret))
            #expect(mac != Self.expectedMAC(timestamp: timestamp, body: request.body + [0x20], secret: Self.secret))

            let everything = String(decoding: request.body, as: UTF8.self) + request.headers.map { "\($0.name): \($0.value)" }.joined()
            #expect(!everything.contains(Self.secret))
        }
    }

    enum Outcome: Sendable {
        case delivered
        case temporary
        case permanent
    }

    static let statuses: [(code: Int, outcome: Outcome)] = [
        (200, .delivered), (201, .delivered), (202, .delivered), (204, .delivered), (299, .delivered),
        (408, .temporary), (429, .temporary), (500, .temporary), (502, .temporary), (503, .temporary), (504, .temporary), (599, .temporary),
        (400, .permanent), (401, .permanent), (403, .permanent), (404, .permanent), (405, .permanent), (410, .permanent), (413, .permanent),
        (422, .permanent),
    ]

    @Test("2xx is delivery; 408, 429 and 5xx may pass; any other status is for good", arguments: statuses)
    func statusClassification(code: Int, outcome: Outcome) async throws {
        try await LoopbackHTTPServer.with(answering: .status(HTTPResponseStatus(statusCode: code))) { server in
            let transport = Self.transport(server)
            switch outcome {
            case .delivered:
                try await transport.send(Self.message)
            case .temporary, .permanent:
                let error = try #require(await #expect(throws: MailDeliveryError.self) { try await transport.send(Self.message) })
                #expect(error.isTemporary == (outcome == .temporary))
                #expect(error.reason.contains(String(code)))
                Self.expectNoSecret(in: error)
            }
            #expect(server.requests.count == 1)
        }
    }

    @Test("no server listening is a failure that may pass")
    func connectionRefused() async throws {
        let closed = try ClosedLoopbackPort()
        // The client tries to connect again until the deadline: a short timeout keeps the test short.
        let transport = HTTPMailTransport(url: "http://127.0.0.1:\(closed.port)/mail", secret: Self.secret, timeout: .seconds(2))
        let error = try #require(await #expect(throws: MailDeliveryError.self) { try await transport.send(Self.message) })
        withExtendedLifetime(closed) {}
        #expect(error.isTemporary)
        Self.expectNoSecret(in: error)
    }

    @Test("a connection closed without an answer is a failure that may pass")
    func closedWithoutAnswer() async throws {
        try await LoopbackHTTPServer.with(answering: .close) { server in
            let error = try #require(await #expect(throws: MailDeliveryError.self) { try await Self.transport(server).send(Self.message) })
            #expect(error.isTemporary)
            Self.expectNoSecret(in: error)
        }
    }

    @Test("an endpoint that does not answer in time is a failure that may pass")
    func silentEndpoint() async throws {
        try await LoopbackHTTPServer.with(answering: .silence) { server in
            let transport = Self.transport(server, timeout: .seconds(1))
            let error = try #require(await #expect(throws: MailDeliveryError.self) { try await transport.send(Self.message) })
            #expect(error.isTemporary)
            Self.expectNoSecret(in: error)
        }
    }

    // A timeout is not rounded down to whole seconds: 0.5 s must not become a deadline of now.
    @Test("a timeout under a second still lets a prompt endpoint answer")
    func subSecondTimeout() async throws {
        try await LoopbackHTTPServer.with(answering: .status(.ok)) { server in
            try await Self.transport(server, timeout: .milliseconds(500)).send(Self.message)
            #expect(server.requests.count == 1)
        }
    }

    static func expectNoSecret(in error: MailDeliveryError, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in [error.description, error.reason, String(reflecting: error), "\(error)"] {
            #expect(!text.contains(Self.secret), "\(text)", sourceLocation: sourceLocation)
            #expect(!text.contains("TOP-SECRET"), "\(text)", sourceLocation: sourceLocation)
        }
    }
}
