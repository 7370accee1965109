import NIOCore
import Testing

@testable import GatehouseMail

@Suite("SMTP replies")
struct SMTPReplyTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var lines: [String]
        var code: Int
        var texts: [String]
        var summary: String
        var testDescription: String { lines.joined(separator: " | ") }
    }

    static let valid: [Valid] = [
        Valid(lines: ["220 mail.example.com ESMTP ready"], code: 220, texts: ["mail.example.com ESMTP ready"], summary: "220"),
        Valid(lines: ["250"], code: 250, texts: [""], summary: "250"),
        Valid(lines: ["250 "], code: 250, texts: [""], summary: "250"),
        Valid(
            lines: ["250-mail.example.com", "250-PIPELINING", "250-AUTH PLAIN LOGIN", "250 STARTTLS"],
            code: 250,
            texts: ["mail.example.com", "PIPELINING", "AUTH PLAIN LOGIN", "STARTTLS"],
            summary: "250"
        ),
        Valid(lines: ["250-", "250 last"], code: 250, texts: ["", "last"], summary: "250"),
        Valid(
            lines: ["550 5.1.1 <someone@example.com>: no such user"],
            code: 550,
            texts: ["5.1.1 <someone@example.com>: no such user"],
            summary: "550 5.1.1"
        ),
        Valid(lines: ["451 4.3.0 try again later"], code: 451, texts: ["4.3.0 try again later"], summary: "451 4.3.0"),
        // An enhanced code of another class than the reply is not one.
        Valid(lines: ["550 4.1.1 odd"], code: 550, texts: ["4.1.1 odd"], summary: "550"),
        Valid(
            lines: ["535 5.7.8 Authentication credentials invalid"],
            code: 535,
            texts: ["5.7.8 Authentication credentials invalid"],
            summary: "535 5.7.8"
        ),
        Valid(lines: ["354 End data with <CR><LF>.<CR><LF>"], code: 354, texts: ["End data with <CR><LF>.<CR><LF>"], summary: "354"),
        Valid(lines: ["250 Grüße"], code: 250, texts: ["Grüße"], summary: "250"),
    ]

    @Test("complete replies", arguments: valid)
    func parsesCompleteReplies(_ example: Valid) throws {
        let reply = try SMTPReply(lines: example.lines)
        #expect(reply.code == example.code)
        #expect(reply.lines == example.texts)
        #expect(reply.summary == example.summary)
    }

    @Test("the same replies, however the bytes are split", arguments: valid)
    func parsesRepliesSplitAnywhere(_ example: Valid) throws {
        let bytes = Array(example.lines.map { $0 + "\r\n" }.joined().utf8)
        for chunkSize in [1, 2, 3, 7, bytes.count] {
            var parser = SMTPReplyParser()
            var replies: [SMTPReply] = []
            var offset = 0
            while offset < bytes.count {
                parser.append(Array(bytes[offset..<min(offset + chunkSize, bytes.count)]))
                offset += chunkSize
                while let reply = try parser.nextReply() { replies.append(reply) }
            }
            #expect(replies == [SMTPReply(code: example.code, lines: example.texts)], "chunks of \(chunkSize)")
            #expect(!parser.hasBufferedInput)
        }
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var lines: [String]
        var error: SMTPReply.ParseError
        var testDescription: String { lines.joined(separator: " | ") }
    }

    static let invalid: [Invalid] = [
        Invalid(lines: [""], error: .malformedLine),
        Invalid(lines: ["25"], error: .malformedLine),
        Invalid(lines: ["abc hello"], error: .malformedLine),
        Invalid(lines: ["2500 too many digits"], error: .malformedLine),
        Invalid(lines: ["250_what"], error: .malformedLine),
        Invalid(lines: ["150 first digit out of range"], error: .malformedLine),
        Invalid(lines: ["650 first digit out of range"], error: .malformedLine),
        Invalid(lines: ["270 second digit out of range"], error: .malformedLine),
        Invalid(lines: [" 250 leading space"], error: .malformedLine),
        Invalid(lines: ["HTTP/1.1 400 Bad Request"], error: .malformedLine),
        Invalid(lines: ["250-first", "251 other code"], error: .inconsistentCodes),
        Invalid(lines: ["250-first", "250-second"], error: .incomplete),
        Invalid(lines: ["250 done", "250 again"], error: .incomplete),
    ]

    @Test("malformed replies", arguments: invalid)
    func refusesMalformedReplies(_ example: Invalid) {
        #expect(throws: example.error) { try SMTPReply(lines: example.lines) }
    }

    @Test("a parser hands out consecutive replies one by one, and keeps a partial one")
    func consecutiveReplies() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("220 hello\r\n250-a\r\n250 b\r\n354 go on\r\n221".utf8))
        #expect(try parser.nextReply() == SMTPReply(code: 220, lines: ["hello"]))
        #expect(try parser.nextReply() == SMTPReply(code: 250, lines: ["a", "b"]))
        #expect(try parser.nextReply() == SMTPReply(code: 354, lines: ["go on"]))
        #expect(try parser.nextReply() == nil)
        #expect(parser.hasBufferedInput)
        parser.append(Array(" bye\n".utf8))
        #expect(try parser.nextReply() == SMTPReply(code: 221, lines: ["bye"]))
        #expect(!parser.hasBufferedInput)
    }

    @Test("a parser refuses a malformed line, codes that change, and endless lines or replies")
    func parserLimits() {
        var malformed = SMTPReplyParser()
        malformed.append(Array("hello there\r\n".utf8))
        #expect(throws: SMTPReply.ParseError.malformedLine) { try malformed.nextReply() }

        var inconsistent = SMTPReplyParser()
        inconsistent.append(Array("250-a\r\n550 b\r\n".utf8))
        #expect(throws: SMTPReply.ParseError.inconsistentCodes) { try inconsistent.nextReply() }

        var endlessLine = SMTPReplyParser()
        endlessLine.append(Array("250 ".utf8) + Array(repeating: UInt8(ascii: "x"), count: SMTPReplyParser.maximumLineLength + 1))
        #expect(throws: SMTPReply.ParseError.lineTooLong) { try endlessLine.nextReply() }

        var endlessReply = SMTPReplyParser()
        endlessReply.append(Array(String(repeating: "250-more\r\n", count: SMTPReplyParser.maximumLines + 1).utf8))
        #expect(throws: SMTPReply.ParseError.tooManyLines) { try endlessReply.nextReply() }
    }

    @Test("reply classes")
    func classes() {
        #expect(SMTPReply(code: 250, lines: []).isPositiveCompletion)
        #expect(SMTPReply(code: 354, lines: []).isPositiveIntermediate)
        #expect(SMTPReply(code: 421, lines: []).isTransientNegative)
        #expect(SMTPReply(code: 554, lines: []).isPermanentNegative)
    }

    struct ExtensionsCase: Sendable, CustomTestStringConvertible {
        var lines: [String]
        var startTLS: Bool
        var mechanisms: Set<String>
        var testDescription: String { lines.joined(separator: " | ") }
    }

    @Test(
        "what EHLO offers",
        arguments: [
            ExtensionsCase(lines: ["mail.example.com"], startTLS: false, mechanisms: []),
            ExtensionsCase(lines: ["mail.example.com greets you", "STARTTLS", "AUTH PLAIN LOGIN"], startTLS: true, mechanisms: ["PLAIN", "LOGIN"]),
            ExtensionsCase(lines: ["x", "starttls", "auth login cram-md5"], startTLS: true, mechanisms: ["LOGIN", "CRAM-MD5"]),
            ExtensionsCase(lines: ["x", "AUTH=LOGIN PLAIN", "SIZE 1000"], startTLS: false, mechanisms: ["LOGIN", "PLAIN"]),
            // The greeting line is not an extension, whatever it says.
            ExtensionsCase(lines: ["STARTTLS"], startTLS: false, mechanisms: []),
        ]
    )
    func extensions(_ example: ExtensionsCase) {
        let extensions = SMTPServerExtensions(ehloReply: SMTPReply(code: 250, lines: example.lines))
        #expect(extensions.offersStartTLS == example.startTLS)
        #expect(extensions.authenticationMechanisms == example.mechanisms)
    }

    @Test("a refusal names the step and the codes, and whether it may pass")
    func refusals() {
        let temporary = SMTPTransport.refusal(SMTPReply(code: 451, lines: ["4.3.0 try again later"]), at: .endOfData)
        #expect(temporary == .temporary("message data refused: 451 4.3.0"))
        let permanent = SMTPTransport.refusal(SMTPReply(code: 550, lines: ["5.1.1 <someone@example.com> unknown"]), at: .rcptTo)
        #expect(permanent == .permanent("RCPT TO refused: 550 5.1.1"))
        #expect(!permanent.reason.contains("someone"))
        let odd = SMTPTransport.refusal(SMTPReply(code: 334, lines: ["VXNlcm5hbWU6"]), at: .auth)
        #expect(odd.isTemporary)
        #expect(odd.reason == "unexpected reply to AUTH: 334")
    }
}
