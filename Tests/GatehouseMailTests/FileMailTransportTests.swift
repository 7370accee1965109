import Foundation
import GatehouseMail
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `FileMailTransport`: one `.eml` file per message, private to its owner, written whole, readable as
/// a MIME message.
@Suite("File mail transport")
struct FileMailTransportTests {
    static func message(_ id: String = "01J9ZQ4S7Y3K0000000000FILE", subject: String = "Confirm your e-mail address for Acme") -> MailMessage {
        MailMessage(
            from: "Acme <no-reply@acme.example>",
            to: "zoe@example.com",
            subject: subject,
            text: "Hello zoe,\n\nopen https://app.example.com/ui/verify?token=abc_DEF-1\n",
            html: "<p>Hello zoe, <a href=\"https://app.example.com/ui/verify?token=abc_DEF-1\">confirm</a></p>",
            messageID: id
        )
    }

    /// The header fields of a stored message (unfolded, encoded words decoded) and its body.
    static func parse(_ raw: String) throws -> (headers: [String: String], body: String) {
        let end = try #require(raw.range(of: "\r\n\r\n"))
        var headers: [String: String] = [:]
        var current: (name: String, value: String)?
        for line in raw[..<end.lowerBound].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), current != nil {
                current?.value += "\r\n" + line
                continue
            }
            if let current { headers[current.name.lowercased()] = SMTPMIMEDecoding.headerValue(current.value) }
            let colon = try #require(line.firstIndex(of: ":"), "a header line: \(line)")
            current = (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        if let current { headers[current.name.lowercased()] = SMTPMIMEDecoding.headerValue(current.value) }
        return (headers, String(raw[end.upperBound...]))
    }

    @Test("each message becomes <id>.eml, mode 0600, in a directory created with mode 0700")
    func writesPrivateFiles() async throws {
        try await withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("spool/mail").path
            let transport = FileMailTransport(directory: directory)
            try await transport.send(Self.message("01J9ZQ4S7Y3K00000000000001"))
            try await transport.send(Self.message("01J9ZQ4S7Y3K00000000000002"))

            #expect(try permissions(of: directory) == 0o700)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            // No temporary file left behind.
            #expect(names == ["01J9ZQ4S7Y3K00000000000001.eml", "01J9ZQ4S7Y3K00000000000002.eml"])
            for name in names {
                #expect(try permissions(of: directory + "/" + name) == 0o600, "\(name)")
            }
        }
    }

    @Test("the file is a MIME message with the sender, recipient, subject, id and both bodies")
    func fileContent() async throws {
        try await withTemporaryDirectory { root in
            let transport = FileMailTransport(directory: root.path)
            let message = Self.message(subject: "Grüße from Acme — confirm 🙂")
            try await transport.send(message)

            let raw = try String(contentsOfFile: root.path + "/\(message.messageID).eml", encoding: .utf8)
            // Seven-bit, CRLF: a file any mail reader opens.
            #expect(raw.utf8.allSatisfy { $0 < 0x80 })
            #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
            let (headers, body) = try Self.parse(raw)
            #expect(headers["from"] == "Acme <no-reply@acme.example>")
            #expect(headers["to"] == "zoe@example.com" || headers["to"] == "<zoe@example.com>")
            #expect(headers["subject"] == message.subject)
            #expect(headers["message-id"]?.hasPrefix("<\(message.messageID)@") == true)
            #expect(headers["mime-version"] == "1.0")
            #expect(headers["date"]?.hasSuffix("+0000") == true)
            let contentType = try #require(headers["content-type"])
            #expect(contentType.hasPrefix("multipart/alternative;"))
            #expect(body.contains("Content-Type: text/plain; charset=utf-8"))
            #expect(body.contains("Content-Type: text/html; charset=utf-8"))
            #expect(body.contains("https://app.example.com/ui/verify?token=abc_DEF-1"))
        }
    }

    @Test("Python's email package reads the file as the message that was sent", .enabled(if: pythonAvailable))
    func readByAMailParser() async throws {
        try await withTemporaryDirectory { root in
            let transport = FileMailTransport(directory: root.path)
            let message = MailMessage(
                from: "Åcme Søftware <no-reply@acme.example>",
                to: "Zoë <zoe@example.com>",
                subject: "Grüße — bitte bestätigen 🙂",
                text: "Hallo Zoë,\n\nhttps://app.example.com/ui/verify?token=abc\n",
                html: "<p>Hallo Zoë</p>",
                messageID: "01J9ZQ4S7Y3K0000000000PY01"
            )
            try await transport.send(message)
            let mail = try SMTPReceivedMail.parse(try Data(contentsOf: root.appendingPathComponent("\(message.messageID).eml")))
            #expect(mail.defects.isEmpty, "\(mail.defects)")
            #expect(mail.from == message.from)
            #expect(mail.to == message.to)
            #expect(mail.subject == message.subject)
            #expect(mail.contentType == "multipart/alternative")
            #expect(mail.text == message.text)
            #expect(mail.html?.trimmingCharacters(in: .newlines) == message.html)
            #expect(mail.messageID.hasPrefix("<\(message.messageID)@"))
        }
    }

    @Test("a message sent again replaces its file, and the directory keeps one file per message")
    func resendReplaces() async throws {
        try await withTemporaryDirectory { root in
            let transport = FileMailTransport(directory: root.path)
            try await transport.send(Self.message(subject: "First"))
            try await transport.send(Self.message(subject: "Second"))
            let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
            #expect(names == ["01J9ZQ4S7Y3K0000000000FILE.eml"])
            let raw = try String(contentsOfFile: root.path + "/" + names[0], encoding: .utf8)
            #expect(try Self.parse(raw).headers["subject"] == "Second")
            #expect(try permissions(of: root.path + "/" + names[0]) == 0o600)
        }
    }

    @Test("prepare() creates the directory, with mode 0700, before any message")
    func prepareCreates() async throws {
        try await withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("new").path
            try FileMailTransport(directory: directory).prepare()
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue)
            #expect(try permissions(of: directory) == 0o700)
        }
    }

    @Test("a directory that cannot be created is a temporary MailDeliveryError; a file in its place a permanent one")
    func unwritableDirectory() async throws {
        try await withTemporaryDirectory { root in
            // A path under a regular file cannot become a directory, whoever runs the test (root too).
            let file = root.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: file)
            let under = FileMailTransport(directory: file.path + "/mail")
            let notCreated = await #expect(throws: MailDeliveryError.self) { try await under.send(Self.message()) }
            #expect(notCreated?.isTemporary == true)
            #expect(throws: MailDeliveryError.self) { try under.prepare() }

            let onFile = FileMailTransport(directory: file.path)
            let isFile = await #expect(throws: MailDeliveryError.self) { try await onFile.send(Self.message()) }
            #expect(isFile?.isTemporary == false)
            #expect(isFile?.reason == "the mail directory is a file")
            #expect(try String(contentsOf: file, encoding: .utf8) == "x")
        }
    }

    // Root writes anywhere: the permission check only means something for another user.
    @Test("a directory its owner may not write to is a temporary MailDeliveryError, and leaves no file", .enabled(if: getuid() != 0))
    func readOnlyDirectory() async throws {
        try await withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("read-only").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o500])
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory) }
            let error = await #expect(throws: MailDeliveryError.self) {
                try await FileMailTransport(directory: directory).send(Self.message())
            }
            #expect(error?.isTemporary == true)
            let left = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(left.isEmpty)
        }
    }

    @Test(
        "a message id that could leave the directory, or name no file, is refused for good",
        arguments: ["../escape", "a/b", "", ".hidden", "id with space", "é"]
    )
    func unsafeIDs(id: String) async throws {
        try await withTemporaryDirectory { root in
            let directory = root.appendingPathComponent("mail").path
            let error = await #expect(throws: MailDeliveryError.self) {
                try await FileMailTransport(directory: directory).send(Self.message(id))
            }
            #expect(error?.isTemporary == false)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            #expect(left.isEmpty)
            let created = try FileManager.default.contentsOfDirectory(atPath: root.path)
            #expect(created.allSatisfy { $0 == "mail" })
        }
    }

    @Test("an address that cannot be written is refused for good", arguments: ["not an address", "zoe@example.com\r\nBcc: x@example.com"])
    func badAddress(recipient: String) async throws {
        try await withTemporaryDirectory { root in
            var message = Self.message()
            message.to = recipient
            let error = await #expect(throws: MailDeliveryError.self) {
                try await FileMailTransport(directory: root.path).send(message)
            }
            #expect(error?.isTemporary == false)
            let written = try FileManager.default.contentsOfDirectory(atPath: root.path)
            #expect(written.isEmpty)
        }
    }
}

/// Whether `python3` runs, for the check with Python's `email` package.
let pythonAvailable: Bool = (try? SMTPTestServer.runTool(["python3", "-c", "import email"]).status) == 0
