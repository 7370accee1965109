import Foundation
import GatehouseMail
import LoopbackTestSupport
import Testing

/// `SMTPTransport` against a scripted server on loopback: the conversation on the wire, and every way a
/// server can refuse, fall silent, break the protocol or drop the connection.
@Suite("SMTP conversation and faults", .timeLimit(.minutes(2)))
struct SMTPFaultTests {
    static let message = MailMessage(
        from: "Gatehouse <no-reply@example.com>",
        to: "someone@example.com",
        subject: "Hello",
        text: "Hi,\n.\n.hidden\nbye",
        html: "<p>Hi</p>",
        messageID: "msg-1"
    )

    static func transport(
        port: Int,
        security: SMTPConfiguration.Security = .none,
        credentials: SMTPCredentials? = nil,
        replyTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(30)
    ) throws -> SMTPTransport {
        try SMTPTransport(
            configuration: SMTPConfiguration(
                host: "127.0.0.1",
                port: port,
                security: security,
                credentials: credentials,
                connectTimeout: .seconds(5),
                replyTimeout: replyTimeout,
                totalTimeout: totalTimeout
            )
        )
    }

    /// Sends `message` and returns the error it fails with.
    static func failure(_ transport: SMTPTransport, _ message: MailMessage = SMTPFaultTests.message) async -> MailDeliveryError? {
        do {
            try await transport.send(message)
            return nil
        } catch {
            return error
        }
    }

    @Test("the conversation on the wire: EHLO, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT")
    func conversation() async throws {
        let lines = try await SMTPScriptedServer.with(script: SMTPScriptedServer.accepting) { server in
            try await Self.transport(port: server.port).send(Self.message)
            return server.received
        }
        #expect(lines.first == "EHLO localhost")
        #expect(lines.contains("MAIL FROM:<no-reply@example.com>"))
        #expect(lines.contains("RCPT TO:<someone@example.com>"))
        #expect(lines.contains("DATA"))
        #expect(lines.last == "QUIT")
        // The lone dot and the dotted line of the text went out doubled; the end of data is a lone dot.
        #expect(lines.contains(".."))
        #expect(lines.contains("..hidden"))
        #expect(lines.filter { $0 == "." }.count == 1)
        #expect(lines.contains("Message-ID: <msg-1@localhost>"))
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
    }

    @Test("a multi-line greeting and multi-line replies are read whole")
    func multiLineReplies() async throws {
        let greeting = "220-scripted.test ESMTP\r\n220-more about us\r\n220 ready"
        try await SMTPScriptedServer.with(greeting: greeting) { line in
            if line.hasPrefix("MAIL FROM:") { return .reply(["250-2.1.0 sender", "250-still fine", "250 2.1.0 OK"]) }
            return SMTPScriptedServer.accepting(line)
        } _: { server in
            try await Self.transport(port: server.port).send(Self.message)
        }
    }

    @Test("EHLO refused with 5xx: HELO instead")
    func heloFallback() async throws {
        let lines = try await SMTPScriptedServer.with { line in
            line.hasPrefix("EHLO") ? .reply(["502 5.5.2 EHLO not understood"]) : SMTPScriptedServer.accepting(line)
        } _: { server in
            try await Self.transport(port: server.port).send(Self.message)
            return server.received
        }
        #expect(Array(lines.prefix(2)) == ["EHLO localhost", "HELO localhost"])
        #expect(lines.contains("RCPT TO:<someone@example.com>"))
    }

    @Test("HELO refused as well: permanent")
    func heloRefused() async throws {
        let error = try await SMTPScriptedServer.with { line in
            line.hasPrefix("EHLO") || line.hasPrefix("HELO") ? .reply(["550 5.7.1 go away"]) : SMTPScriptedServer.accepting(line)
        } _: { server in
            await Self.failure(try Self.transport(port: server.port))
        }
        #expect(error == .permanent("HELO refused: 550 5.7.1"))
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var command: String
        var reply: [String]
        var expected: MailDeliveryError
        var testDescription: String { "\(command) → \(reply.joined(separator: " / "))" }
    }

    @Test(
        "refusals: 4xx temporary, 5xx permanent, named by step and code",
        arguments: [
            Refusal(command: "EHLO", reply: ["421 4.3.2 shutting down"], expected: .temporary("EHLO refused: 421 4.3.2")),
            Refusal(command: "MAIL FROM:", reply: ["553 5.1.8 sender rejected"], expected: .permanent("MAIL FROM refused: 553 5.1.8")),
            Refusal(command: "MAIL FROM:", reply: ["452 4.3.1 insufficient storage"], expected: .temporary("MAIL FROM refused: 452 4.3.1")),
            Refusal(command: "RCPT TO:", reply: ["550 5.1.1 <someone@example.com> no such user"], expected: .permanent("RCPT TO refused: 550 5.1.1")),
            Refusal(command: "RCPT TO:", reply: ["450 4.2.0 mailbox busy"], expected: .temporary("RCPT TO refused: 450 4.2.0")),
            Refusal(command: "RCPT TO:", reply: ["354 what"], expected: .temporary("unexpected reply to RCPT TO: 354")),
            Refusal(command: "DATA", reply: ["554 5.5.1 no valid recipients"], expected: .permanent("DATA refused: 554 5.5.1")),
            Refusal(command: "DATA", reply: ["250 not what was asked"], expected: .temporary("unexpected reply to DATA: 250")),
            Refusal(command: "<END OF DATA>", reply: ["552 5.3.4 message too big"], expected: .permanent("message data refused: 552 5.3.4")),
            Refusal(command: "<END OF DATA>", reply: ["451 4.3.0 try again later"], expected: .temporary("message data refused: 451 4.3.0")),
            Refusal(command: "<END OF DATA>", reply: ["554"], expected: .permanent("message data refused: 554")),
        ]
    )
    func refusals(_ refusal: Refusal) async throws {
        let (error, lines) = try await SMTPScriptedServer.with { line in
            line.uppercased().hasPrefix(refusal.command) ? .reply(refusal.reply) : SMTPScriptedServer.accepting(line)
        } _: { server in
            (await Self.failure(try Self.transport(port: server.port)), server.received)
        }
        #expect(error == refusal.expected)
        #expect(error?.reason.contains("someone") == false)
        // The server still listened: the client said goodbye.
        #expect(lines.last == "QUIT")
    }

    @Test(
        "a greeting that refuses",
        arguments: [
            ("421 4.3.2 too busy", MailDeliveryError.temporary("greeting refused: 421 4.3.2")),
            ("554 5.7.1 no service for you", MailDeliveryError.permanent("greeting refused: 554 5.7.1")),
        ]
    )
    func greetingRefused(_ greeting: String, _ expected: MailDeliveryError) async throws {
        let error = try await SMTPScriptedServer.with(greeting: greeting, script: SMTPScriptedServer.accepting) { server in
            await Self.failure(try Self.transport(port: server.port))
        }
        #expect(error == expected)
    }

    @Test("a server that accepts the connection and never answers: temporary, after the reply timeout")
    func silentServer() async throws {
        let error = try await SMTPScriptedServer.with(greeting: nil) { _ in
            .silence
        } _: { server in
            await Self.failure(try Self.transport(port: server.port, replyTimeout: .milliseconds(300)))
        }
        #expect(error?.isTemporary == true)
        #expect(error?.reason.hasPrefix("no reply to greeting within") == true, "\(String(describing: error))")
    }

    @Test("a server that falls silent halfway: temporary, naming the step")
    func silentAfterGreeting() async throws {
        let error = try await SMTPScriptedServer.with { line in
            line.hasPrefix("RCPT") ? .silence : SMTPScriptedServer.accepting(line)
        } _: { server in
            // Long enough that the steps before RCPT, which are answered, never run out of it on a
            // loaded machine: only the silent step may.
            await Self.failure(try Self.transport(port: server.port, replyTimeout: .seconds(2)))
        }
        #expect(error?.isTemporary == true)
        #expect(error?.reason.hasPrefix("no reply to RCPT TO within") == true, "\(String(describing: error))")
    }

    @Test("the total timeout ends a delivery that the reply timeout alone would let go on")
    func totalTimeout() async throws {
        let error = try await SMTPScriptedServer.with(greeting: nil) { _ in
            .silence
        } _: { server in
            await Self.failure(try Self.transport(port: server.port, replyTimeout: .seconds(30), totalTimeout: .milliseconds(300)))
        }
        #expect(error?.isTemporary == true)
        #expect(error?.reason.hasPrefix("the delivery took longer than") == true, "\(String(describing: error))")
    }

    @Test("nothing listening: connection refused, temporary")
    func connectionRefused() async throws {
        let closed = try ClosedLoopbackPort()
        let error = await Self.failure(try Self.transport(port: closed.port))
        #expect(error?.isTemporary == true)
        #expect(error?.reason == "could not connect to 127.0.0.1:\(closed.port): connection refused")
        withExtendedLifetime(closed) {}
    }

    @Test("the connection dropped halfway: temporary")
    func droppedConnection() async throws {
        let error = try await SMTPScriptedServer.with { line in
            line.hasPrefix("RCPT") ? .close : SMTPScriptedServer.accepting(line)
        } _: { server in
            await Self.failure(try Self.transport(port: server.port))
        }
        #expect(error == .temporary("the server closed the connection during RCPT TO"))
    }

    @Test("a server that is not an SMTP server: temporary", arguments: ["HTTP/1.1 400 Bad Request", "SSH-2.0-OpenSSH_9.2", "220"])
    func notSMTP(_ greeting: String) async throws {
        let error = try await SMTPScriptedServer.with(greeting: greeting) { _ in
            .reply(["HTTP/1.1 400 Bad Request"])
        } _: { server in
            await Self.failure(try Self.transport(port: server.port))
        }
        #expect(error?.isTemporary == true)
        #expect(error?.reason.hasPrefix("unreadable reply to") == true, "\(String(describing: error))")
    }

    @Test("STARTTLS required but not offered: permanent, and nothing else is sent")
    func startTLSNotOffered() async throws {
        let (error, lines) = try await SMTPScriptedServer.with(script: SMTPScriptedServer.accepting) { server in
            (await Self.failure(try Self.transport(port: server.port, security: .startTLS)), server.received)
        }
        #expect(error == .permanent("the server does not offer STARTTLS, which the configuration requires"))
        #expect(!lines.contains { $0.hasPrefix("MAIL") || $0.hasPrefix("STARTTLS") })
    }

    @Test("STARTTLS required and EHLO refused: HELO offers no STARTTLS, permanent")
    func startTLSWithHelo() async throws {
        let error = try await SMTPScriptedServer.with { line in
            line.hasPrefix("EHLO") ? .reply(["500 5.5.1 what?"]) : SMTPScriptedServer.accepting(line)
        } _: { server in
            await Self.failure(try Self.transport(port: server.port, security: .startTLS))
        }
        #expect(error == .permanent("the server does not offer STARTTLS, which the configuration requires"))
    }

    @Test("STARTTLS refused by the server: by its reply code")
    func startTLSRefused() async throws {
        let error = try await SMTPScriptedServer.with { line in
            if line.hasPrefix("EHLO") { return .reply(["250-scripted.test", "250 STARTTLS"]) }
            if line == "STARTTLS" { return .reply(["454 4.7.0 TLS not available"]) }
            return SMTPScriptedServer.accepting(line)
        } _: { server in
            await Self.failure(try Self.transport(port: server.port, security: .startTLS))
        }
        #expect(error == .temporary("STARTTLS refused: 454 4.7.0"))
    }

    @Test("replies sent after STARTTLS's 220 but before the handshake are refused, not believed")
    func startTLSInjection() async throws {
        let error = try await SMTPScriptedServer.with { line in
            if line.hasPrefix("EHLO") { return .reply(["250-scripted.test", "250 STARTTLS"]) }
            if line == "STARTTLS" { return .raw("220 2.0.0 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n") }
            return SMTPScriptedServer.accepting(line)
        } _: { server in
            await Self.failure(try Self.transport(port: server.port, security: .startTLS))
        }
        #expect(error == .temporary("the server sent data before the TLS handshake after STARTTLS"))
    }

    @Test("implicit TLS against a plain server: the TLS handshake fails, temporary")
    func implicitTLSAgainstPlainServer() async throws {
        let error = try await SMTPScriptedServer.with(script: SMTPScriptedServer.accepting) { server in
            await Self.failure(try Self.transport(port: server.port, security: .implicitTLS))
        }
        #expect(error?.isTemporary == true)
        #expect(error?.reason.hasPrefix("TLS handshake failed") == true, "\(String(describing: error))")
    }

    @Test("AUTH PLAIN when offered, whatever else is")
    func authPlainPreferred() async throws {
        let lines = try await SMTPScriptedServer.with { line in
            if line.hasPrefix("EHLO") { return .reply(["250-scripted.test", "250-AUTH LOGIN CRAM-MD5 PLAIN", "250 8BITMIME"]) }
            if line.hasPrefix("AUTH") { return .reply(["235 2.7.0 accepted"]) }
            return SMTPScriptedServer.accepting(line)
        } _: { server in
            try await Self.transport(port: server.port, credentials: SMTPCredentials(username: "user", password: "pass")).send(Self.message)
            return server.received
        }
        let auth = try #require(lines.first { $0.hasPrefix("AUTH") })
        #expect(auth == "AUTH PLAIN " + Data("\u{0}user\u{0}pass".utf8).base64EncodedString())
        #expect(lines.filter { $0.hasPrefix("AUTH") }.count == 1)
    }

    @Test("AUTH LOGIN when PLAIN is not offered")
    func authLogin() async throws {
        let lines = try await SMTPScriptedServer.with { line in
            if line.hasPrefix("EHLO") { return .reply(["250-scripted.test", "250 AUTH=LOGIN"]) }
            if line == "AUTH LOGIN" { return .reply(["334 VXNlcm5hbWU6"]) }
            if line == Data("user".utf8).base64EncodedString() { return .reply(["334 UGFzc3dvcmQ6"]) }
            if line == Data("pässword".utf8).base64EncodedString() { return .reply(["235 2.7.0 accepted"]) }
            return SMTPScriptedServer.accepting(line)
        } _: { server in
            try await Self.transport(port: server.port, credentials: SMTPCredentials(username: "user", password: "pässword")).send(Self.message)
            return server.received
        }
        #expect(lines.contains("MAIL FROM:<no-reply@example.com>"))
    }

    @Test("credentials refused: permanent, and the reason holds neither the password nor its encoding")
    func authRefused() async throws {
        let password = "Secret-Pa55"
        let error = try await SMTPScriptedServer.with { line in
            if line.hasPrefix("EHLO") { return .reply(["250-scripted.test", "250 AUTH PLAIN"]) }
            if line.hasPrefix("AUTH") { return .reply(["535 5.7.8 credentials invalid"]) }
            return SMTPScriptedServer.accepting(line)
        } _: { server in
            await Self.failure(try Self.transport(port: server.port, credentials: SMTPCredentials(username: "user", password: password)))
        }
        #expect(error == .permanent("AUTH refused: 535 5.7.8"))
    }

    @Test("credentials but no AUTH offered: permanent")
    func noAuthOffered() async throws {
        let error = try await SMTPScriptedServer.with(script: SMTPScriptedServer.accepting) { server in
            await Self.failure(try Self.transport(port: server.port, credentials: SMTPCredentials(username: "user", password: "pass")))
        }
        #expect(error == .permanent("the server offers no supported authentication (AUTH PLAIN or AUTH LOGIN)"))
    }

    @Test("a server that never answers QUIT after accepting the message: delivered all the same")
    func silentQuit() async throws {
        try await SMTPScriptedServer.with { line in
            line == "QUIT" ? .silence : SMTPScriptedServer.accepting(line)
        } _: { server in
            // Long enough for every other reply on a busy machine (each step has the whole deadline),
            // short enough that the silent QUIT costs the test little.
            try await Self.transport(port: server.port, replyTimeout: .seconds(2)).send(Self.message)
        }
    }

    @Test("a server that closes right after accepting the message: delivered all the same")
    func closeAfterAcceptance() async throws {
        try await SMTPScriptedServer.with { line in
            line == "<end of data>" ? .replyAndClose(["250 2.0.0 queued"]) : SMTPScriptedServer.accepting(line)
        } _: { server in
            try await Self.transport(port: server.port).send(Self.message)
        }
    }
}
