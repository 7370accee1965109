import Foundation
import GatehouseMail
import Testing

@Suite("SMTP configuration")
struct SMTPConfigurationTests {
    @Test("the port follows the security unless given")
    func defaultPorts() {
        #expect(SMTPConfiguration(host: "mail.example.com").port == 587)
        #expect(SMTPConfiguration(host: "mail.example.com").security == .startTLS)
        #expect(SMTPConfiguration(host: "mail.example.com", security: .implicitTLS).port == 465)
        #expect(SMTPConfiguration(host: "mail.example.com", security: .none).port == 25)
        #expect(SMTPConfiguration(host: "mail.example.com", port: 2525, security: .none).port == 2525)
    }

    @Test("defaults: localhost as HELO name, 10 s / 30 s / 60 s, system trust roots")
    func defaults() {
        let configuration = SMTPConfiguration(host: "mail.example.com")
        #expect(configuration.heloName == "localhost")
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.replyTimeout == .seconds(30))
        #expect(configuration.totalTimeout == .seconds(60))
        #expect(configuration.trustRoots == .system)
        #expect(configuration.credentials == nil)
    }

    @Test("descriptions never show the password")
    func passwordRedacted() {
        let configuration = SMTPConfiguration(
            host: "mail.example.com",
            credentials: SMTPCredentials(username: "mailer", password: "s3cret-Pa55word")
        )
        for text in [
            String(describing: configuration), String(reflecting: configuration), "\(configuration)",
            String(describing: configuration.credentials), String(reflecting: configuration.credentials as Any),
        ] {
            #expect(!text.contains("s3cret-Pa55word"), "\(text)")
        }
        #expect(String(describing: configuration.credentials!).contains("mailer"))
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var name: String
        var configuration: SMTPConfiguration
        var testDescription: String { name }
    }

    @Test(
        "configurations that cannot work are refused when the transport is made",
        arguments: [
            Refused(name: "empty host", configuration: SMTPConfiguration(host: "", security: .none)),
            Refused(name: "host with a space", configuration: SMTPConfiguration(host: "mail example", security: .none)),
            Refused(name: "host with a line break", configuration: SMTPConfiguration(host: "mail\r\n", security: .none)),
            Refused(name: "port 0", configuration: SMTPConfiguration(host: "mail.example.com", port: 0, security: .none)),
            Refused(name: "port too high", configuration: SMTPConfiguration(host: "mail.example.com", port: 70_000, security: .none)),
            Refused(name: "HELO with a space", configuration: SMTPConfiguration(host: "localhost", security: .none, heloName: "my host")),
            Refused(name: "HELO with CRLF", configuration: SMTPConfiguration(host: "localhost", security: .none, heloName: "x\r\nMAIL FROM:<a@b>")),
            Refused(name: "empty HELO", configuration: SMTPConfiguration(host: "localhost", security: .none, heloName: "")),
            Refused(name: "zero reply timeout", configuration: SMTPConfiguration(host: "localhost", security: .none, replyTimeout: .zero)),
            Refused(
                name: "NUL in the password",
                configuration: SMTPConfiguration(host: "localhost", security: .none, credentials: SMTPCredentials(username: "u", password: "a\u{0}b"))
            ),
            Refused(
                name: "missing trust roots file",
                configuration: SMTPConfiguration(host: "localhost", trustRoots: .file("/nonexistent/gatehouse-ca.pem"))
            ),
        ]
    )
    func refused(_ example: Refused) {
        #expect(throws: SMTPConfigurationError.self) { try SMTPTransport(configuration: example.configuration) }
    }

    @Test("a trust roots file without a certificate is refused")
    func emptyTrustRoots() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-empty-\(UUID().uuidString).pem")
        try Data("not a certificate\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPTransport(configuration: SMTPConfiguration(host: "localhost", security: .implicitTLS, trustRoots: .file(file.path)))
        }
    }

    @Test("the system trust roots load")
    func systemTrustRoots() throws {
        let transport = try SMTPTransport(configuration: SMTPConfiguration(host: "mail.example.com"))
        #expect(transport.configuration.host == "mail.example.com")
    }
}
