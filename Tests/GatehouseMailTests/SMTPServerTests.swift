import Foundation
import GatehouseMail
import Testing

/// `SMTPTransport` against a real SMTP server — aiosmtpd, run by `scripts/smtp_test_server.py` on
/// loopback — checked by the bytes the server stored and by what Python's `email` package reads in them.
@Suite(
    "SMTP delivery to a real server",
    .enabled(if: SMTPTestServer.isEnabled, SMTPTestServer.skipComment),
    .timeLimit(.minutes(2))
)
struct SMTPServerTests {
    static let text = """
        Hello Zoë,

        please confirm your address: https://example.com/verify?token=abc&x=1
        .
        .hidden line that starts with a dot
        From here on a line starts with From
        trailing spaces\(String(repeating: " ", count: 3))
        \(String(repeating: "a long line without a break ", count: 100))
        ½ € 日本語 🙂
        """

    static let html = """
        <!doctype html>
        <p>Hello Zoë,</p>
        <p><a href="https://example.com/verify?token=abc&amp;x=1">Confirm</a></p>
        <p>\(String(repeating: "<b>word</b> ", count: 200))</p>
        """

    static func message(_ id: String = "01J9ZQ4S7Y3K", subject: String = "Grüße — bitte bestätigen 🙂") -> MailMessage {
        MailMessage(
            from: "Gatehouse <no-reply@example.com>",
            to: "Zoë Ångström <zoe@example.com>",
            subject: subject,
            text: text,
            html: html,
            messageID: id
        )
    }

    static func transport(
        _ server: SMTPTestServer,
        host: String = "127.0.0.1",
        security: SMTPConfiguration.Security = .none,
        credentials: SMTPCredentials? = nil,
        trustRoots: SMTPConfiguration.TrustRoots = .system,
        tlsServerName: String? = nil
    ) throws -> SMTPTransport {
        try SMTPTransport(
            configuration: SMTPConfiguration(
                host: host,
                port: server.port,
                security: security,
                credentials: credentials,
                heloName: "client.example.com",
                connectTimeout: .seconds(10),
                replyTimeout: .seconds(20),
                totalTimeout: .seconds(60),
                trustRoots: trustRoots,
                tlsServerName: tlsServerName
            )
        )
    }

    static func failure(_ transport: SMTPTransport, _ message: MailMessage = SMTPServerTests.message()) async -> MailDeliveryError? {
        do {
            try await transport.send(message)
            return nil
        } catch {
            return error
        }
    }

    /// Checks one stored message: raw form, then what a mail reader makes of it.
    static func checkDelivered(_ raw: Data, _ message: MailMessage = SMTPServerTests.message()) throws {
        let bytes = [UInt8](raw)
        #expect(bytes.allSatisfy { $0 < 0x80 }, "seven-bit")
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D, "a bare LF at \(index)") }
            if byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "a bare CR at \(index)") }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        // The server removed the dot-stuffing: the dotted lines are as the text had them.
        #expect(lines.contains("."))
        #expect(lines.contains(".hidden line that starts with a dot"))
        #expect(!lines.contains(".."))
        #expect(!lines.contains { $0.hasPrefix("..hidden") })

        let mail = try SMTPReceivedMail.parse(raw)
        #expect(mail.defects.isEmpty)
        #expect(mail.from == message.from)
        #expect(mail.to == message.to)
        #expect(mail.subject == message.subject)
        #expect(mail.messageID == "<\(message.messageID)@client.example.com>")
        #expect(mail.mimeVersion == "1.0")
        #expect(mail.contentType == "multipart/alternative")
        #expect(mail.date.hasSuffix("+0000"))
        #expect(mail.text == message.text)
        #expect(mail.html == message.html)
    }

    @Test("a message arrives whole: headers, both parts, dotted lines, non-ASCII subject and bodies")
    func plainDelivery() async throws {
        try await SMTPTestServer.with { server in
            try await Self.transport(server).send(Self.message())
            let stored = try server.messages()
            try #require(stored.count == 1)
            try Self.checkDelivered(stored[0])
        }
    }

    @Test("several messages, one connection each")
    func severalMessages() async throws {
        try await SMTPTestServer.with { server in
            let transport = try Self.transport(server)
            for index in 1...3 {
                try await transport.send(Self.message("message-\(index)", subject: "Message \(index)"))
            }
            let stored = try server.messages().map { try SMTPReceivedMail.parse($0) }
            #expect(stored.map(\.subject) == ["Message 1", "Message 2", "Message 3"])
            #expect(stored.map(\.messageID) == (1...3).map { "<message-\($0)@client.example.com>" })
        }
    }

    @Test("STARTTLS, verified against the test CA, by IP address and by host name")
    func startTLS() async throws {
        try await SMTPTestCertificates.with { certificates in
            var options = SMTPTestServer.Options()
            options.startTLS = (certificates.serverCertificate, certificates.serverKey)
            try await SMTPTestServer.with(options) { server in
                try await Self.transport(server, security: .startTLS, trustRoots: .file(certificates.authority)).send(Self.message("by-address"))
                try await Self.transport(server, host: "localhost", security: .startTLS, trustRoots: .file(certificates.authority))
                    .send(Self.message("by-name"))
                let stored = try server.messages()
                try #require(stored.count == 2)
                try Self.checkDelivered(stored[0], Self.message("by-address"))
                try Self.checkDelivered(stored[1], Self.message("by-name"))
            }
        }
    }

    @Test("implicit TLS (SMTPS), verified against the test CA")
    func implicitTLS() async throws {
        try await SMTPTestCertificates.with { certificates in
            var options = SMTPTestServer.Options()
            options.implicitTLS = (certificates.serverCertificate, certificates.serverKey)
            try await SMTPTestServer.with(options) { server in
                try await Self.transport(server, security: .implicitTLS, trustRoots: .file(certificates.authority)).send(Self.message())
                let stored = try server.messages()
                try #require(stored.count == 1)
                try Self.checkDelivered(stored[0])
            }
        }
    }

    @Test("a certificate that does not lead to the trusted CA: the TLS handshake fails, temporary, nothing sent")
    func wrongAuthority() async throws {
        try await SMTPTestCertificates.with { certificates in
            var options = SMTPTestServer.Options()
            options.startTLS = (certificates.serverCertificate, certificates.serverKey)
            try await SMTPTestServer.with(options) { server in
                let error = await Self.failure(try Self.transport(server, security: .startTLS, trustRoots: .file(certificates.otherAuthority)))
                #expect(error == .temporary("TLS handshake failed: certificate verify failed"))
                // The system's authorities do not know the test CA either.
                let system = await Self.failure(try Self.transport(server, security: .startTLS))
                #expect(system == .temporary("TLS handshake failed: certificate verify failed"))
                #expect(try server.messages().isEmpty)
            }
        }
    }

    @Test("the certificate must be valid for the host name (or list the address connected to)")
    func hostNameVerification() async throws {
        try await SMTPTestCertificates.with { certificates in
            var options = SMTPTestServer.Options()
            options.implicitTLS = (certificates.otherNameCertificate, certificates.otherNameKey)
            try await SMTPTestServer.with(options) { server in
                let trusted = SMTPConfiguration.TrustRoots.file(certificates.authority)
                for (host, name) in [("localhost", nil), ("127.0.0.1", nil), ("127.0.0.1", "localhost")] as [(String, String?)] {
                    let transport = try Self.transport(server, host: host, security: .implicitTLS, trustRoots: trusted, tlsServerName: name)
                    let error = await Self.failure(transport)
                    #expect(
                        error == .temporary("TLS handshake failed: the server's certificate is not valid for its name"),
                        "\(host) as \(name ?? host)"
                    )
                }
                #expect(try server.messages().isEmpty)
                // Told the name the certificate carries, the same connection is trusted.
                let named = try Self.transport(server, security: .implicitTLS, trustRoots: trusted, tlsServerName: "mail.example.com")
                try await named.send(Self.message())
                #expect(try server.messages().count == 1)
            }
        }
    }

    @Test("STARTTLS required, the server does not offer it: permanent")
    func startTLSNotOffered() async throws {
        try await SMTPTestServer.with { server in
            let error = await Self.failure(try Self.transport(server, security: .startTLS))
            #expect(error == .permanent("the server does not offer STARTTLS, which the configuration requires"))
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("AUTH with each mechanism the server offers", arguments: [["PLAIN", "LOGIN"], ["PLAIN"], ["LOGIN"]])
    func auth(_ mechanisms: [String]) async throws {
        var options = SMTPTestServer.Options()
        options.auth = "mailer:correct horse battery staple"
        options.authMechanisms = mechanisms
        try await SMTPTestServer.with(options) { server in
            let credentials = SMTPCredentials(username: "mailer", password: "correct horse battery staple")
            try await Self.transport(server, credentials: credentials).send(Self.message())
            #expect(try server.messages().count == 1)
        }
    }

    @Test("AUTH refused (535): permanent, without the password", arguments: [["PLAIN"], ["LOGIN"]])
    func wrongPassword(_ mechanisms: [String]) async throws {
        var options = SMTPTestServer.Options()
        options.auth = "mailer:right"
        options.authMechanisms = mechanisms
        try await SMTPTestServer.with(options) { server in
            let password = "Wrong-Pa55word"
            let error = await Self.failure(try Self.transport(server, credentials: SMTPCredentials(username: "mailer", password: password)))
            #expect(error?.isTemporary == false)
            #expect(error?.reason.hasPrefix("AUTH refused: 535") == true, "\(String(describing: error))")
            #expect(error?.reason.contains(password) == false)
            #expect(error?.reason.contains(Data(password.utf8).base64EncodedString()) == false)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("the server requires AUTH, the transport has no credentials: permanent")
    func authRequired() async throws {
        var options = SMTPTestServer.Options()
        options.auth = "mailer:right"
        try await SMTPTestServer.with(options) { server in
            let error = await Self.failure(try Self.transport(server))
            #expect(error?.isTemporary == false)
            #expect(error?.reason.hasPrefix("MAIL FROM refused: 530") == true, "\(String(describing: error))")
        }
    }

    @Test("STARTTLS, then AUTH inside TLS")
    func startTLSThenAuth() async throws {
        try await SMTPTestCertificates.with { certificates in
            var options = SMTPTestServer.Options()
            options.startTLS = (certificates.serverCertificate, certificates.serverKey)
            options.auth = "mailer:secret"
            try await SMTPTestServer.with(options) { server in
                let transport = try Self.transport(
                    server,
                    security: .startTLS,
                    credentials: SMTPCredentials(username: "mailer", password: "secret"),
                    trustRoots: .file(certificates.authority)
                )
                try await transport.send(Self.message())
                #expect(try server.messages().count == 1)
            }
        }
    }

    @Test("451 after the message: temporary; the next attempt is delivered, once")
    func failFirstData() async throws {
        var options = SMTPTestServer.Options()
        options.failFirst = 1
        try await SMTPTestServer.with(options) { server in
            let transport = try Self.transport(server)
            let error = await Self.failure(transport)
            #expect(error == .temporary("message data refused: 451 4.3.0"))
            #expect(try server.messages().isEmpty)
            try await transport.send(Self.message())
            let stored = try server.messages()
            try #require(stored.count == 1)
            try Self.checkDelivered(stored[0])
        }
    }

    @Test("451 to RCPT: temporary; the next attempt is delivered")
    func failFirstRecipient() async throws {
        var options = SMTPTestServer.Options()
        options.failFirst = 1
        options.failAtRCPT = true
        try await SMTPTestServer.with(options) { server in
            let transport = try Self.transport(server)
            #expect(await Self.failure(transport) == .temporary("RCPT TO refused: 451 4.3.0"))
            try await transport.send(Self.message())
            #expect(try server.messages().count == 1)
        }
    }

    @Test("550 to RCPT: permanent")
    func rejected() async throws {
        var options = SMTPTestServer.Options()
        options.reject = true
        try await SMTPTestServer.with(options) { server in
            let error = await Self.failure(try Self.transport(server))
            #expect(error == .permanent("RCPT TO refused: 550 5.1.1"))
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("the server gone: connection refused, temporary")
    func serverDown() async throws {
        let (port, transport) = try await SMTPTestServer.with { server in (server.port, try Self.transport(server)) }
        let error = await Self.failure(transport)
        #expect(error == .temporary("could not connect to 127.0.0.1:\(port): connection refused"))
    }
}
