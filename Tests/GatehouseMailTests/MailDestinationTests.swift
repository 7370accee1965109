import Foundation
import GatehouseMail
import Testing

/// Mail URLs: what each one means, what is refused, and that no password comes back out.
@Suite("Mail destinations")
struct MailDestinationTests {
    static let password = "hunter2-Pa55"

    struct Accepted: Sendable, CustomTestStringConvertible {
        var url: String
        var destination: MailDestination
        var testDescription: String { url }
    }

    static func smtp(
        _ host: String,
        _ port: Int,
        _ security: SMTPConfiguration.Security,
        credentials: SMTPCredentials? = nil,
        trustRoots: SMTPConfiguration.TrustRoots = .system
    ) -> MailDestination {
        .smtp(SMTPConfiguration(host: host, port: port, security: security, credentials: credentials, trustRoots: trustRoots))
    }

    static let accepted: [Accepted] = [
        // Loopback: nothing crosses a network, so no TLS unless asked for; 587 unless given.
        Accepted(url: "smtp://127.0.0.1:2525", destination: smtp("127.0.0.1", 2525, .none)),
        Accepted(url: "smtp://localhost", destination: smtp("localhost", 587, .none)),
        Accepted(url: "smtp://[::1]:25", destination: smtp("::1", 25, .none)),
        Accepted(url: "smtp://127.0.0.2:25", destination: smtp("127.0.0.2", 25, .none)),
        Accepted(url: "smtp://localhost:2525?tls=starttls", destination: smtp("localhost", 2525, .startTLS)),
        Accepted(url: "smtp://LOCALHOST:25", destination: smtp("LOCALHOST", 25, .none)),
        // Anywhere else: STARTTLS, unless refused outright; a name that starts like a loopback
        // address is a name, not loopback.
        Accepted(url: "smtp://mail.example.com", destination: smtp("mail.example.com", 587, .startTLS)),
        Accepted(url: "smtp://127.mail.example.com", destination: smtp("127.mail.example.com", 587, .startTLS)),
        Accepted(
            url: "smtp://mailer:hunter2-Pa55@127.0.0.1.nip.io",
            destination: smtp("127.0.0.1.nip.io", 587, .startTLS, credentials: SMTPCredentials(username: "mailer", password: password))
        ),
        Accepted(url: "smtp://127.0.0.256", destination: smtp("127.0.0.256", 587, .startTLS)),
        Accepted(url: "SMTP://mail.example.com:25", destination: smtp("mail.example.com", 25, .startTLS)),
        Accepted(url: "smtp://192.0.2.10:587?tls=starttls", destination: smtp("192.0.2.10", 587, .startTLS)),
        Accepted(url: "smtp://mail.example.com?tls=none", destination: smtp("mail.example.com", 587, .none)),
        Accepted(url: "smtp://[2001:db8::1]", destination: smtp("2001:db8::1", 587, .startTLS)),
        Accepted(url: "smtps://mail.example.com", destination: smtp("mail.example.com", 465, .implicitTLS)),
        Accepted(url: "smtps://localhost", destination: smtp("localhost", 465, .implicitTLS)),
        Accepted(url: "smtps://mail.example.com:2465", destination: smtp("mail.example.com", 2465, .implicitTLS)),
        Accepted(
            url: "smtps://mail.example.com?ca=/etc/gatehouse/ca.pem",
            destination: smtp("mail.example.com", 465, .implicitTLS, trustRoots: .file("/etc/gatehouse/ca.pem"))
        ),
        Accepted(
            url: "smtp://mail.example.com?tls=starttls&ca=/etc/ca.pem",
            destination: smtp("mail.example.com", 587, .startTLS, trustRoots: .file("/etc/ca.pem"))
        ),
        // User name and password, percent-decoded.
        Accepted(
            url: "smtp://mailer:hunter2-Pa55@mail.example.com",
            destination: smtp("mail.example.com", 587, .startTLS, credentials: SMTPCredentials(username: "mailer", password: password))
        ),
        Accepted(
            url: "smtps://us%40er%2Bx:p%3As%2Fs%40w%20rd%25@mail.example.com",
            destination: smtp("mail.example.com", 465, .implicitTLS, credentials: SMTPCredentials(username: "us@er+x", password: "p:s/s@w rd%"))
        ),
        // HTTP endpoints: https anywhere, http on loopback only.
        Accepted(url: "https://api.example.com/v1/mail", destination: .http(url: "https://api.example.com/v1/mail")),
        Accepted(url: "https://api.example.com:8443/hook?tenant=1", destination: .http(url: "https://api.example.com:8443/hook?tenant=1")),
        Accepted(url: "http://127.0.0.1:8081/mail", destination: .http(url: "http://127.0.0.1:8081/mail")),
        Accepted(url: "http://localhost/mail", destination: .http(url: "http://localhost/mail")),
        Accepted(url: "http://[::1]:9000/mail", destination: .http(url: "http://[::1]:9000/mail")),
        // Directories.
        Accepted(url: "file:///var/spool/gatehouse", destination: .directory(path: "/var/spool/gatehouse")),
        Accepted(url: "file://mail-out", destination: .directory(path: "mail-out")),
        Accepted(url: "file://./a/b", destination: .directory(path: "./a/b")),
        Accepted(url: "FILE:///tmp/with%20space", destination: .directory(path: "/tmp/with space")),
    ]

    @Test("accepted mail URLs and what they mean", arguments: accepted)
    func acceptedURL(_ accepted: Accepted) throws {
        #expect(try MailDestination(url: accepted.url) == accepted.destination)
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var url: String
        /// Part of the error's description.
        var reason: String
        var testDescription: String { url }
    }

    static let refused: [Refused] = [
        Refused(url: "smtp://mailer@mail.example.com", reason: "without a password"),
        Refused(url: "smtps://mailer@mail.example.com:465", reason: "without a password"),
        Refused(url: "smtp://:hunter2-Pa55@mail.example.com", reason: "a password without a user name"),
        Refused(url: "http://mail.example.com/hook", reason: "loopback"),
        Refused(url: "http://192.0.2.1:8080/hook", reason: "loopback"),
        Refused(url: "http://mailer:hunter2-Pa55@api.example.com/hook", reason: "loopback"),
        Refused(url: "http://127.0.0.1.attacker.example/hook", reason: "loopback"),
        Refused(url: "http://127.example.com/hook", reason: "loopback"),
        Refused(url: "smtp://mail.example.com?tls=sometimes", reason: "tls"),
        Refused(url: "smtp://mail.example.com?verify=no", reason: "verify"),
        Refused(url: "smtp://mailer:hunter2-Pa55@mail.example.com?password=hunter2-Pa55", reason: "password"),
        Refused(url: "smtps://mail.example.com?tls=none", reason: "tls"),
        Refused(url: "smtps://mail.example.com?tls=starttls", reason: "tls"),
        Refused(url: "smtp://mail.example.com?ca=", reason: "ca"),
        Refused(url: "smtp://mail.example.com:0", reason: "port"),
        Refused(url: "smtp://mail.example.com:65536", reason: "port"),
        Refused(url: "smtp://mailer:hunter2-Pa55@mail.example.com:99999", reason: "port"),
        Refused(url: "smtp://mail.example.com:smtp", reason: "smtp://user:pass@host:port"),
        Refused(url: "ftp://mail.example.com", reason: "starts with smtp://"),
        Refused(url: "mailto:zoe@example.com", reason: "smtp://user:pass@host:port"),
        Refused(url: "ws://127.0.0.1/mail", reason: "starts with smtp://"),
        Refused(url: "mail.example.com:587", reason: "a mail URL"),
        Refused(url: "", reason: "smtp://user:pass@host:port"),
        Refused(url: "not a url at all", reason: "smtp://user:pass@host:port"),
        Refused(url: "smtp://", reason: "smtp://user:pass@host:port"),
        Refused(url: "smtp:///no-host", reason: "smtp://user:pass@host:port"),
        Refused(url: "https://", reason: "smtp://user:pass@host:port"),
        Refused(url: "file://", reason: "names a directory"),
        Refused(url: "file://%ZZ", reason: "names a directory"),
    ]

    @Test("refused mail URLs say why", arguments: refused)
    func refusedURL(_ refused: Refused) {
        let error = #expect(throws: MailDestination.InvalidURL.self) { try MailDestination(url: refused.url) }
        #expect(error?.description.contains(refused.reason) == true, "\(error?.description ?? "")")
    }

    @Test("no refusal and no summary repeats a password", arguments: refused.map(\.url) + accepted.map(\.url))
    func passwordNeverRepeated(url: String) {
        // Each network URL again with a password in it (a file URL's whole rest is a path).
        let variants = url.lowercased().hasPrefix("file:") ? [url] : [url, url.replacingOccurrences(of: "://", with: "://mailer:\(Self.password)@")]
        for variant in variants {
            do {
                let destination = try MailDestination(url: variant)
                #expect(!destination.summary.contains(Self.password), "\(destination.summary)")
                #expect(!destination.summary.contains("mailer"), "\(destination.summary)")
            } catch {
                #expect(!error.description.contains(Self.password), "\(error.description)")
                #expect(!String(reflecting: error).contains(Self.password))
            }
        }
    }

    static let summaries: [(url: String, summary: String)] = [
        ("smtp://mailer:hunter2-Pa55@mail.example.com?ca=/etc/ca.pem", "smtp://mail.example.com:587 (startTLS)"),
        ("smtps://mailer:hunter2-Pa55@mail.example.com", "smtps://mail.example.com:465 (implicitTLS)"),
        ("smtp://localhost:2525", "smtp://localhost:2525 (none)"),
        ("smtp://[::1]:25", "smtp://[::1]:25 (none)"),
        ("https://mailer:hunter2-Pa55@api.example.com/v1/mail?key=hunter2-Pa55", "https://api.example.com/v1/mail"),
        ("http://127.0.0.1:8081/mail", "http://127.0.0.1:8081/mail"),
        ("file:///var/spool/gatehouse/", "files in /var/spool/gatehouse"),
    ]

    @Test("the summary names where mail goes, without credentials or query", arguments: summaries)
    func summary(url: String, summary: String) throws {
        #expect(try MailDestination(url: url).summary == summary)
    }

    @Test("a relative directory's summary is an absolute path")
    func relativeSummary() throws {
        let summary = try MailDestination(url: "file://gatehouse-mail").summary
        #expect(summary.hasPrefix("files in /"))
        #expect(summary.hasSuffix("/gatehouse-mail"))
    }

    // MARK: Transports

    @Test("each destination makes its kind of transport")
    func transports() async throws {
        #expect(try MailDestination(url: "smtp://mail.example.com").transport(secret: nil) is SMTPTransport)
        let http = try MailDestination(url: "https://api.example.com/mail").transport(secret: "0123456789abcdef")
        #expect((http as? HTTPMailTransport)?.url == "https://api.example.com/mail")
        try await withTemporaryDirectory { root in
            let path = root.appendingPathComponent("outgoing").path
            let files = try MailDestination.directory(path: path).transport(secret: nil)
            #expect((files as? FileMailTransport)?.directory == path)
            // The directory is made when the transport is, so a bad one is found at start.
            #expect(try permissions(of: path) == 0o700)
        }
    }

    @Test("a destination that cannot work is a TransportError that does not repeat a secret")
    func transportErrors() async throws {
        let noSecret = #expect(throws: MailDestination.TransportError.self) {
            try MailDestination(url: "https://api.example.com/mail").transport(secret: nil)
        }
        #expect(noSecret?.description.contains("secret") == true)

        let missingCA = #expect(throws: MailDestination.TransportError.self) {
            try MailDestination(url: "smtps://mailer:hunter2-Pa55@mail.example.com?ca=/nonexistent/gatehouse-ca.pem").transport(secret: nil)
        }
        #expect(missingCA?.description.contains(Self.password) == false)

        try await withTemporaryDirectory { root in
            let file = root.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: file)
            let error = #expect(throws: MailDestination.TransportError.self) {
                try MailDestination.directory(path: file.path).transport(secret: nil)
            }
            #expect(error?.description.contains(file.path) == true)
        }
    }
}
