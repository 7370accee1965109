import Testing

@testable import GatehouseMail

@Suite("SMTP addresses")
struct SMTPMailboxTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var text: String
        var name: String?
        var address: String
        var testDescription: String { text }
    }

    @Test(
        "the bare address is taken from each form",
        arguments: [
            Valid(text: "someone@example.com", name: nil, address: "someone@example.com"),
            Valid(text: "  someone@example.com\t", name: nil, address: "someone@example.com"),
            Valid(text: "<someone@example.com>", name: nil, address: "someone@example.com"),
            Valid(text: "Gatehouse <no-reply@example.com>", name: "Gatehouse", address: "no-reply@example.com"),
            Valid(text: "\"Gatehouse, Inc.\" <no-reply@example.com>", name: "Gatehouse, Inc.", address: "no-reply@example.com"),
            Valid(text: "\"A \\\"quoted\\\" name\" <a@example.com>", name: "A \"quoted\" name", address: "a@example.com"),
            Valid(text: "Zoë Ångström <zoe@example.com>", name: "Zoë Ångström", address: "zoe@example.com"),
            Valid(text: "Name < spaced@example.com >", name: "Name", address: "spaced@example.com"),
            Valid(text: "first.last+tag@sub.example.co.uk", name: nil, address: "first.last+tag@sub.example.co.uk"),
            Valid(text: "o'brien@example.com", name: nil, address: "o'brien@example.com"),
            Valid(text: "postmaster@[127.0.0.1]", name: nil, address: "postmaster@[127.0.0.1]"),
            Valid(text: "user@localhost", name: nil, address: "user@localhost"),
            Valid(text: "\"\" <a@example.com>", name: nil, address: "a@example.com"),
        ]
    )
    func extractsAddresses(_ example: Valid) throws {
        let mailbox = try SMTPMailbox(parsing: example.text)
        #expect(mailbox.displayName == example.name)
        #expect(mailbox.address == example.address)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var text: String
        var problem: SMTPMailbox.Problem
        var testDescription: String { text.debugDescription }
    }

    @Test(
        "addresses that cannot be sent are refused",
        arguments: [
            Invalid(text: "someone@example.com\r\nRCPT TO:<victim@example.com>", problem: .lineBreak),
            Invalid(text: "someone@example.com\nBcc: victim@example.com", problem: .lineBreak),
            Invalid(text: "someone@example.com\r", problem: .lineBreak),
            Invalid(text: "Name\r\nBcc: victim@example.com <someone@example.com>", problem: .lineBreak),
            Invalid(text: "some\u{2028}one@example.com", problem: .lineBreak),
            Invalid(text: "some\u{0}one@example.com", problem: .controlCharacter),
            Invalid(text: "some\u{1b}one@example.com", problem: .controlCharacter),
            Invalid(text: "", problem: .empty),
            Invalid(text: "   ", problem: .empty),
            Invalid(text: "Name <>", problem: .empty),
            Invalid(text: "zoë@example.com", problem: .notASCII),
            Invalid(text: "someone@exämple.com", problem: .notASCII),
            Invalid(text: "someone", problem: .malformed),
            Invalid(text: "@example.com", problem: .malformed),
            Invalid(text: "someone@", problem: .malformed),
            Invalid(text: "some one@example.com", problem: .malformed),
            Invalid(text: "someone@exa mple.com", problem: .malformed),
            Invalid(text: "someone@example..com", problem: .malformed),
            Invalid(text: "a>b@example.com", problem: .malformed),
            Invalid(text: "Name someone@example.com>", problem: .malformed),
            Invalid(text: "Name <someone@example.com", problem: .malformed),
            Invalid(text: "<a@example.com>:<b@example.com>", problem: .malformed),
            Invalid(text: "a@example.com> NOTIFY=NEVER <b@example.com", problem: .malformed),
            Invalid(text: String(repeating: "a", count: 65) + "@example.com", problem: .malformed),
        ]
    )
    func refusesAddresses(_ example: Invalid) {
        #expect(throws: example.problem) { try SMTPMailbox(parsing: example.text) }
    }

    @Test("a sender or recipient with a line break is a permanent failure, before any connection")
    func lineBreakIsPermanent() async throws {
        // Nothing listens there: a connection attempt would fail as temporary.
        let transport = try SMTPTransport(
            configuration: SMTPConfiguration(host: "127.0.0.1", port: 9, security: .none, connectTimeout: .seconds(2))
        )
        let good = MailMessage(from: "a@example.com", to: "b@example.com", subject: "s", text: "t", html: "", messageID: "1")
        for message in [
            MailMessage(from: "a@example.com\r\nRCPT TO:<c@example.com>", to: good.to, subject: "s", text: "t", html: "", messageID: "1"),
            MailMessage(from: good.from, to: "b@example.com\r\nDATA", subject: "s", text: "t", html: "", messageID: "1"),
        ] {
            let error = await #expect(throws: MailDeliveryError.self) { try await transport.send(message) }
            #expect(error?.isTemporary == false)
            #expect(error?.reason.contains("line break") == true)
            #expect(error?.reason.contains("example.com") == false)
        }
    }
}
