import Foundation
import Testing

@testable import GatehouseMail

@Suite("SMTP message encoding")
struct SMTPMessageEncodingTests {
    // MARK: Dot-stuffing

    @Test(
        "dot-stuffing doubles a leading dot, writes CRLF, and ends with the lone dot",
        arguments: [
            ("", ".\r\n"),
            ("a", "a\r\n.\r\n"),
            ("a\r\n", "a\r\n.\r\n"),
            ("a\r\n.b\r\n", "a\r\n..b\r\n.\r\n"),
            (".\r\n", "..\r\n.\r\n"),
            (".", "..\r\n.\r\n"),
            ("..x\r\n", "...x\r\n.\r\n"),
            ("a.\r\nb.c\r\n", "a.\r\nb.c\r\n.\r\n"),
            ("x\r\n\r\n.\r\ny", "x\r\n\r\n..\r\ny\r\n.\r\n"),
            ("a\n.b\r.c", "a\r\n..b\r\n..c\r\n.\r\n"),
            ("a\r\n\r\n", "a\r\n\r\n.\r\n"),
        ]
    )
    func dotStuffing(_ content: String, _ expected: String) {
        #expect(String(decoding: SMTPMessageEncoder.dotStuffed(Array(content.utf8)), as: UTF8.self) == expected)
    }

    // MARK: Quoted-printable

    @Test(
        "quoted-printable",
        arguments: [
            ("", ""),
            ("hello", "hello"),
            ("a=b", "a=3Db"),
            ("trailing space ", "trailing space=20"),
            ("trailing tab\t", "trailing tab=09"),
            ("inner  spaces stay", "inner  spaces stay"),
            ("line one \nline two", "line one=20\r\nline two"),
            ("a\r\nb\rc\nd", "a\r\nb\r\nc\r\nd"),
            ("ends with a break\n", "ends with a break\r\n"),
            ("héllo", "h=C3=A9llo"),
            ("€", "=E2=82=AC"),
            ("From the start", "=46rom the start"),
            ("Not From here", "Not From here"),
            (".leading dot", ".leading dot"),
            ("tab\tinside", "tab\tinside"),
            ("nul\u{0}bell\u{7}", "nul=00bell=07"),
            (String(repeating: "a", count: 76), String(repeating: "a", count: 76)),
            (String(repeating: "a", count: 77), String(repeating: "a", count: 75) + "=\r\naa"),
            (String(repeating: "a", count: 75) + " ", String(repeating: "a", count: 75) + "=\r\n=20"),
            (String(repeating: "a", count: 74) + "é", String(repeating: "a", count: 74) + "=\r\n=C3=A9"),
        ]
    )
    func quotedPrintable(_ text: String, _ expected: String) {
        #expect(QuotedPrintable.encode(text) == expected)
    }

    static let quotedPrintableSamples: [String] = [
        String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 40),
        String(repeating: "é", count: 500),
        String(repeating: "日本語のテキスト", count: 60),
        String(repeating: "🙂👩‍👩‍👧‍👦", count: 50) + " \n" + String(repeating: "=", count: 200) + "\t",
        String(repeating: " ", count: 300),
        String(repeating: "x", count: 5_000) + "\n\n\n" + String(repeating: ". \r\n", count: 10),
        "<p>Hello,</p>\n<p><a href=\"https://example.com/verify?token=abc&amp;x=1\">verify</a></p>\n",
    ]

    @Test("quoted-printable lines stay short and printable, and decode to the text", arguments: quotedPrintableSamples)
    func quotedPrintableRoundTrip(_ text: String) {
        let encoded = QuotedPrintable.encode(text)
        for line in SMTPMIMEDecoding.lines(encoded) {
            #expect(line.utf8.count <= 76)
            #expect(line.utf8.allSatisfy { $0 == 0x09 || (0x20...0x7E).contains($0) })
            #expect(line.last != " " && line.last != "\t")
        }
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(SMTPMIMEDecoding.quotedPrintable(encoded) == normalized)
    }

    // MARK: Headers

    @Test(
        "subjects: plain ASCII as it is, anything else as encoded-words",
        arguments: [
            ("Welcome", "Subject: Welcome\r\n"),
            ("Grüße aus Köln", "Subject: =?utf-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\n"),
            ("Line\r\nBcc: victim@example.com", "Subject: Line Bcc: victim@example.com\r\n"),
            ("Line\nBcc: victim@example.com", "Subject: Line Bcc: victim@example.com\r\n"),
            ("Tab\there", "Subject: Tab here\r\n"),
            ("=?utf-8?B?Zm9v?=", "Subject: =?utf-8?B?PT91dGYtOD9CP1ptOXY/PQ==?=\r\n"),
            ("", "Subject:\r\n"),
        ]
    )
    func subjects(_ subject: String, _ expected: String) {
        #expect(MIMEHeaderEncoding.subjectField(subject) == expected)
    }

    static let longSubjects: [String] = [
        String(repeating: "Please verify your e-mail address ", count: 12),
        String(repeating: "Bestätigen Sie Ihre E-Mail-Adresse ", count: 12),
        String(repeating: "👩‍👩‍👧‍👦", count: 30),
        String(repeating: "x", count: 1_500),
        "Two  spaces   and   more",
        "  leading and trailing  ",
        "Line\r\nBreak\rAnd\nMore\u{2028}Separators\u{0}and a NUL",
    ]

    @Test("subjects fold to short lines, can never start a header, and decode back", arguments: longSubjects)
    func longSubjectsFold(_ subject: String) {
        let field = MIMEHeaderEncoding.subjectField(subject)
        #expect(field.hasPrefix("Subject:"))
        #expect(field.hasSuffix("\r\n"))
        let value = Self.withoutFinalCRLF(field)
        let lines = SMTPMIMEDecoding.lines(value)
        for (index, line) in lines.enumerated() {
            #expect(line.utf8.count <= 78)
            #expect(line.utf8.allSatisfy { (0x20...0x7E).contains($0) })
            if index > 0 { #expect(line.hasPrefix(" ")) }
        }
        let decoded = SMTPMIMEDecoding.headerValue(String(value.dropFirst("Subject:".count)))
        let expected = MIMEHeaderEncoding.sanitized(subject)
        #expect(decoded.trimmingCharacters(in: .whitespaces) == expected.trimmingCharacters(in: .whitespaces))
    }

    @Test("encoded-words never split a character and never exceed 75 characters")
    func encodedWords() {
        let text = String(repeating: "aé日🙂👩‍👩‍👧‍👦", count: 20)
        let words = MIMEHeaderEncoding.encodedWords(text)
        var decoded = ""
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
            let payload = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            #expect(payload != nil)
            let piece = String(data: payload ?? Data(), encoding: .utf8)
            #expect(piece != nil, "each word holds whole characters")
            decoded += piece ?? ""
        }
        #expect(decoded == text)
    }

    @Test(
        "mailbox headers",
        arguments: [
            (SMTPMailbox(displayName: nil, address: "a@example.com"), "From: a@example.com\r\n"),
            (SMTPMailbox(displayName: "Gatehouse", address: "a@example.com"), "From: Gatehouse <a@example.com>\r\n"),
            (SMTPMailbox(displayName: "The Gatehouse Team", address: "a@example.com"), "From: The Gatehouse Team <a@example.com>\r\n"),
            (SMTPMailbox(displayName: "Gatehouse, Inc.", address: "a@example.com"), "From: \"Gatehouse, Inc.\" <a@example.com>\r\n"),
            (SMTPMailbox(displayName: "Say \"hi\"", address: "a@example.com"), "From: \"Say \\\"hi\\\"\" <a@example.com>\r\n"),
            (SMTPMailbox(displayName: "Zoë", address: "a@example.com"), "From: =?utf-8?B?Wm/Dqw==?= <a@example.com>\r\n"),
        ]
    )
    func mailboxHeaders(_ mailbox: SMTPMailbox, _ expected: String) {
        #expect(MIMEHeaderEncoding.mailboxField("From", mailbox) == expected)
    }

    @Test(
        "Message-ID from the outbox id and the HELO name",
        arguments: [
            ("01J9ZQ4S7Y3K", "localhost", "<01J9ZQ4S7Y3K@localhost>"),
            ("4f1c2d3e-aaaa-bbbb", "mail.example.com", "<4f1c2d3e-aaaa-bbbb@mail.example.com>"),
            ("a b@c>\r\n", "localhost", "<a=20b=40c=3E=0D=0A@localhost>"),
            ("id", "[127.0.0.1]", "<id@[127.0.0.1]>"),
            ("", "localhost", "<message@localhost>"),
        ]
    )
    func messageIDs(_ id: String, _ helo: String, _ expected: String) {
        let encoder = SMTPMessageEncoder(heloName: helo)
        #expect(SMTPMessageEncoder.messageID(id, domain: encoder.domain) == expected)
    }

    @Test("a HELO name that cannot be a Message-ID domain gives way to localhost", arguments: ["[oops", "a..b", "under score.ok_", "-"])
    func messageIDDomain(_ helo: String) {
        let domain = SMTPMessageEncoder(heloName: helo).domain
        #expect(domain == (SMTPMessageEncoder.isMessageIDDomain(helo) ? helo : "localhost"))
        #expect(SMTPMessageEncoder.isMessageIDDomain(domain))
    }

    @Test("dates in RFC 5322 form, in UTC")
    func dates() {
        #expect(SMTPMessageEncoder.date(Date(timeIntervalSince1970: 784_887_151)) == "Tue, 15 Nov 1994 08:12:31 +0000")
        #expect(SMTPMessageEncoder.date(Date(timeIntervalSince1970: 1_709_254_923)) == "Fri, 01 Mar 2024 01:02:03 +0000")
    }

    @Test("boundaries differ and cannot occur in quoted-printable")
    func boundaries() {
        let first = SMTPMessageEncoder.makeBoundary()
        let second = SMTPMessageEncoder.makeBoundary()
        #expect(first != second)
        #expect(first.hasPrefix("=_"))
        #expect(!QuotedPrintable.encode(first + "\n--" + first).contains(first))
    }

    // MARK: Whole messages

    static func encoded(_ message: MailMessage) throws -> String {
        let encoder = SMTPMessageEncoder(heloName: "mail.example.com")
        let bytes = encoder.encode(
            message,
            from: try SMTPMailbox(parsing: message.from),
            to: try SMTPMailbox(parsing: message.to),
            date: Date(timeIntervalSince1970: 784_887_151),
            boundary: "=_gatehouse_test"
        )
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("a message with both bodies is multipart/alternative, ASCII, CRLF, with short lines")
    func wholeMessage() throws {
        let text = "Hello Zoë,\n.\n.hidden line\nFrom here on\n" + String(repeating: "long line ", count: 150) + "\nend "
        let html = "<p>Hello Zoë,</p>\n<p>" + String(repeating: "<b>x</b>", count: 300) + "</p>"
        let message = MailMessage(
            from: "Gatehouse <no-reply@example.com>",
            to: "Zoë <zoe@example.com>",
            subject: "Grüße\r\nBcc: victim@example.com",
            text: text,
            html: html,
            messageID: "01J9ZQ4S7Y3K"
        )
        let content = try Self.encoded(message)
        #expect(content.utf8.allSatisfy { $0 < 0x80 })
        let lines = SMTPMIMEDecoding.lines(content)
        #expect(lines.last == "")
        for line in lines {
            #expect(line.utf8.count <= 78)
            #expect(!line.contains("\r") && !line.contains("\n"))
            #expect(!line.hasPrefix("Bcc:"))
        }
        let (head, body) = try #require(split(content))
        #expect(head.contains("From: Gatehouse <no-reply@example.com>\r\n"))
        #expect(head.contains("To: =?utf-8?B?Wm/Dqw==?= <zoe@example.com>\r\n"))
        #expect(head.contains("Date: Tue, 15 Nov 1994 08:12:31 +0000\r\n"))
        #expect(head.contains("Message-ID: <01J9ZQ4S7Y3K@mail.example.com>\r\n"))
        #expect(head.contains("MIME-Version: 1.0\r\n"))
        #expect(head.contains("Content-Type: multipart/alternative;\r\n boundary=\"=_gatehouse_test\"\r\n"))
        let subjectLine = try #require(head.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject:") })
        #expect(SMTPMIMEDecoding.headerValue(String(subjectLine.dropFirst("Subject: ".count))) == "Grüße Bcc: victim@example.com")

        let parts = body.components(separatedBy: "\r\n--=_gatehouse_test")
        #expect(parts.count == 4)
        #expect(parts.last == "--\r\n")
        let plain = try #require(split(Self.withoutLeadingCRLF(parts[1])))
        #expect(plain.head == "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")
        #expect(SMTPMIMEDecoding.quotedPrintable(plain.body) == text.replacingOccurrences(of: "\n", with: "\r\n"))
        let rich = try #require(split(Self.withoutLeadingCRLF(parts[2])))
        #expect(rich.head == "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")
        #expect(SMTPMIMEDecoding.quotedPrintable(rich.body) == html.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("a message with one body is that part alone")
    func singlePart() throws {
        let textOnly = try Self.encoded(
            MailMessage(from: "a@example.com", to: "b@example.com", subject: "s", text: "only text", html: "", messageID: "1")
        )
        #expect(!textOnly.contains("multipart"))
        #expect(textOnly.contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nonly text\r\n"))
        let htmlOnly = try Self.encoded(
            MailMessage(from: "a@example.com", to: "b@example.com", subject: "s", text: "", html: "<p>only html</p>", messageID: "1")
        )
        #expect(!htmlOnly.contains("multipart"))
        #expect(htmlOnly.contains("Content-Type: text/html; charset=utf-8\r\n"))
        #expect(htmlOnly.hasSuffix("\r\n\r\n<p>only html</p>\r\n"))
    }

    @Test(
        "a short-lined ASCII body travels as it is, so its links stay whole; any other is quoted-printable",
        arguments: [
            ("Reset: https://app.example.com/ui/reset?token=" + String(repeating: "A_-9", count: 11) + "\nBye.", true),
            ("line one\r\nline two\n\ttabbed", true),
            (String(repeating: "x", count: 998), true),
            (String(repeating: "x", count: 999), false),
            ("caf\u{E9}", false),
            ("bell\u{7}", false),
            ("bare\rreturn", false),
            ("holds the boundary =_gatehouse_test here", false),
        ]
    )
    func transferEncoding(_ text: String, _ unencoded: Bool) throws {
        let content = try Self.encoded(
            MailMessage(from: "a@example.com", to: "b@example.com", subject: "s", text: text, html: "", messageID: "1")
        )
        let (head, body) = try #require(split(content))
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        if unencoded {
            #expect(head.hasSuffix("Content-Transfer-Encoding: 7bit\r\n"))
            #expect(body == normalized + "\r\n")
        } else {
            #expect(head.hasSuffix("Content-Transfer-Encoding: quoted-printable\r\n"))
            #expect(SMTPMIMEDecoding.quotedPrintable(Self.withoutFinalCRLF(body)) == normalized)
        }
        for line in SMTPMIMEDecoding.lines(content) { #expect(line.utf8.count <= 998) }
    }

    /// `text` without the CRLF it ends with (a single `Character` in Swift).
    static func withoutFinalCRLF(_ text: String) -> String {
        text.hasSuffix("\r\n") ? String(text.utf8.dropLast(2)) ?? text : text
    }

    /// `text` without the CRLF it starts with.
    static func withoutLeadingCRLF(_ text: String) -> String {
        text.hasPrefix("\r\n") ? String(text.utf8.dropFirst(2)) ?? text : text
    }

    /// The part before the first empty line (with its last CRLF) and the part after it.
    private func split(_ content: String) -> (head: String, body: String)? {
        guard let range = content.range(of: "\r\n\r\n") else { return nil }
        return (String(content[..<range.lowerBound]) + "\r\n", String(content[range.upperBound...]))
    }
}
