import Foundation
import Gatehouse
import GatehouseMail
import GatehouseTesting
import Testing

/// `MessageRenderer`: the built-in templates of every kind the account flows queue, escaping, overrides
/// from a templates directory, and the errors of what cannot be rendered.
@Suite("Message rendering")
struct MessageRendererTests {
    static let sender = "Acme <no-reply@acme.example>"
    static let date = Date(timeIntervalSince1970: 1_700_000_000)

    struct Kind: Sendable, CustomTestStringConvertible {
        var name: String
        var payload: [String: String]
        var subject: String
        /// What both bodies must say, as the payload gives it.
        var mentions: [String]
        var testDescription: String { name }
    }

    static let kinds: [Kind] = [
        Kind(
            name: AccountMessage.verifyEmail,
            payload: ["username": "zoe", "link": "https://app.example.com/ui/verify?token=v3r1fy_T0ken-x", "expires_in": "48 hours"],
            subject: "Confirm your e-mail address for Acme",
            mentions: ["zoe", "https://app.example.com/ui/verify?token=v3r1fy_T0ken-x", "48 hours"]
        ),
        Kind(
            name: AccountMessage.resetPassword,
            payload: ["username": "zoe", "link": "https://app.example.com/ui/reset?token=r3s3t_T0ken-y", "expires_in": "1 hour"],
            subject: "Reset your Acme password",
            mentions: ["zoe", "https://app.example.com/ui/reset?token=r3s3t_T0ken-y", "1 hour"]
        ),
        Kind(
            name: AccountMessage.confirmEmailChange,
            payload: [
                "username": "zoe", "link": "https://app.example.com/ui/verify?token=ch4nge_T0ken-z", "expires_in": "2 days",
                "new_email": "zoe.new@example.com",
            ],
            subject: "Confirm your new e-mail address for Acme",
            mentions: ["zoe", "https://app.example.com/ui/verify?token=ch4nge_T0ken-z", "2 days", "zoe.new@example.com"]
        ),
        Kind(
            name: AccountMessage.emailChangeRequested,
            payload: ["username": "zoe", "new_email": "zoe.new@example.com"],
            subject: "Your Acme e-mail address is being changed",
            mentions: ["zoe", "zoe.new@example.com"]
        ),
    ]

    static func renderer(templates: String? = nil, brand: String = "Acme") throws -> MessageRenderer {
        try MessageRenderer(templatesDirectory: templates, brand: brand, sender: sender)
    }

    static func message(kind: String, payload: [String: String], id: String = "01J9ZQ4S7Y3K0000000000RNDR") -> OutboxMessage {
        outboxMessage(id: id, kind: kind, recipient: "zoe@example.com", payload: payload, at: date)
    }

    // MARK: Built-in templates

    @Test("each built-in kind renders a subject, a text and an HTML body with its values", arguments: kinds)
    func builtIn(kind: Kind) throws {
        let mail = try Self.renderer().render(Self.message(kind: kind.name, payload: kind.payload))
        #expect(mail.subject == kind.subject)
        #expect(mail.from == Self.sender)
        #expect(mail.to == "zoe@example.com")
        #expect(mail.messageID == "01J9ZQ4S7Y3K0000000000RNDR")
        for value in kind.mentions {
            #expect(mail.text.contains(value), "the text body says \(value)")
            #expect(mail.html.contains(value), "the HTML body says \(value)")
        }
        if let link = kind.payload["link"] {
            #expect(mail.html.contains("href=\"\(link)\""), "the HTML body links to \(link)")
            #expect(mail.text.contains("expires in \(kind.payload["expires_in"] ?? "")"))
        }
        #expect(mail.html.hasPrefix("<!doctype html>"))
        #expect(mail.html.contains("<h1 style=\"font-size:20px\">Acme</h1>"))
        // Nothing left unrendered.
        #expect(!"\(mail.subject)\(mail.text)\(mail.html)".contains("{{"))
        #expect(!mail.text.contains("<"))
    }

    @Test("values are HTML-escaped in the HTML body and left as they are in the subject and text", arguments: kinds)
    func escaping(kind: Kind) throws {
        var payload = kind.payload
        payload["username"] = #"<script>alert("x")</script> & 'co'"#
        if payload["new_email"] != nil { payload["new_email"] = "<b>new</b>@example.com" }
        let mail = try Self.renderer(brand: "A&B <Mail>").render(Self.message(kind: kind.name, payload: payload))

        #expect(!mail.html.contains("<script>"))
        #expect(!mail.html.contains("<b>new</b>"))
        #expect(!mail.html.contains("A&B <Mail>"))
        #expect(mail.html.contains("&lt;script&gt;"))
        #expect(mail.html.contains("A&amp;B &lt;Mail&gt;"))
        #expect(mail.text.contains(#"<script>alert("x")</script> & 'co'"#))
        #expect(!mail.text.contains("&amp;") && !mail.text.contains("&lt;"))
        #expect(mail.subject.contains("A&B <Mail>"))
    }

    @Test("a line break in a value does not break the subject into header lines")
    func subjectOnOneLine() throws {
        let renderer = try Self.renderer(brand: "Acme\r\nBcc: victim@example.com\nX")
        let mail = try renderer.render(Self.message(kind: AccountMessage.resetPassword, payload: Self.kinds[1].payload))
        #expect(!mail.subject.contains("\n"))
        #expect(!mail.subject.contains("\r"))
        #expect(mail.subject.contains("Bcc: victim@example.com"))
    }

    @Test("the messages the account flows queue render with their link and lifetime spelled out")
    func fromAccountFlows() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        var sessions = SessionsOptions(keyRing: KeyRing(signingKey: try SigningKey(secret: "a-secret-a-secret-a-secret-a-secret")))
        sessions.clock = clock
        sessions.logger = quietLogger
        var options = AccountsOptions(sessions: sessions)
        options.passwordHasher = ScryptPasswordHasher(logN: 4, blockSize: 1, parallelism: 1)
        options.sendsVerificationOnSignUp = true
        options.links = MessageLinks(baseURL: "https://app.example.com/")
        options.emailVerificationTokenLifetime = .seconds(48 * 3_600)
        options.passwordResetTokenLifetime = .seconds(1_800)
        let accounts = Accounts(store: store, options: options)
        let client = ConnectionInfo(ip: "127.0.0.1", userAgent: "tests/1")

        let account = try await accounts.signUp(
            CreateAccountInput(username: "zoe", email: "zoe@example.com", password: "correct horse battery staple"),
            client: client
        )
        try await accounts.requestPasswordRecovery(email: "zoe@example.com", client: client)
        try await accounts.requestEmailChange(
            accountID: account.accountID,
            to: "zoe.new@example.com",
            password: "correct horse battery staple",
            client: client
        )

        let queued = try await store.messages(status: .pending, limit: 10)
        let byKind = Dictionary(queued.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(
            Set(byKind.keys)
                == [AccountMessage.verifyEmail, AccountMessage.resetPassword, AccountMessage.confirmEmailChange, AccountMessage.emailChangeRequested]
        )
        let renderer = try Self.renderer()
        let expectations: [(kind: String, to: String, link: String?, lifetime: String?)] = [
            (AccountMessage.verifyEmail, "zoe@example.com", "https://app.example.com/ui/verify?token=", "48 hours"),
            (AccountMessage.resetPassword, "zoe@example.com", "https://app.example.com/ui/reset?token=", "30 minutes"),
            (AccountMessage.confirmEmailChange, "zoe.new@example.com", "https://app.example.com/ui/verify?token=", "48 hours"),
            (AccountMessage.emailChangeRequested, "zoe@example.com", nil, nil),
        ]
        for expected in expectations {
            let mail = try renderer.render(try #require(byKind[expected.kind]))
            #expect(mail.to == expected.to, "\(expected.kind)")
            #expect(mail.text.contains("Hello zoe,"), "\(expected.kind)")
            if let link = expected.link, let lifetime = expected.lifetime {
                #expect(mail.text.contains(link), "\(expected.kind)")
                #expect(mail.html.contains("href=\"\(link)"), "\(expected.kind)")
                #expect(mail.text.contains("expires in \(lifetime)"), "\(expected.kind)")
                #expect(mail.html.contains("expires in \(lifetime)"), "\(expected.kind)")
            } else {
                #expect(!mail.text.contains("token="), "\(expected.kind)")
            }
        }
    }

    // MARK: Templates directory

    /// A templates directory with `files` (name → content) in its `mail/` folder.
    static func withTemplates<Result>(_ files: [String: String], _ body: (String) async throws -> Result) async throws -> Result {
        try await withTemporaryDirectory { directory in
            let mail = directory.appendingPathComponent("mail", isDirectory: true)
            try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
            for (name, content) in files {
                try Data(content.utf8).write(to: mail.appendingPathComponent(name))
            }
            return try await body(directory.path)
        }
    }

    @Test("a file in the templates directory replaces that built-in template and only that one")
    func override() async throws {
        let payload = Self.kinds[0].payload
        try await Self.withTemplates([
            "verify_email.subject.mustache": "Welcome to {{brand}}, {{username}} & co",
            "verify_email.html.mustache": "<p>Hi {{username}}: <a href=\"{{link}}\">go</a> ({{expires_in}})</p>",
            "notes.txt": "not a template: ignored",
        ]) { directory in
            let mail = try Self.renderer(templates: directory).render(Self.message(kind: AccountMessage.verifyEmail, payload: payload))
            #expect(mail.subject == "Welcome to Acme, zoe & co")
            #expect(mail.html == "<p>Hi zoe: <a href=\"https://app.example.com/ui/verify?token=v3r1fy_T0ken-x\">go</a> (48 hours)</p>")
            let builtIn = try Self.renderer().render(Self.message(kind: AccountMessage.verifyEmail, payload: payload))
            #expect(mail.text == builtIn.text)
            // Other kinds keep their built-in templates.
            let reset = try Self.renderer(templates: directory).render(
                Self.message(kind: AccountMessage.resetPassword, payload: Self.kinds[1].payload)
            )
            #expect(reset.subject == "Reset your Acme password")
        }
    }

    @Test("a templates directory can add a kind of its own; an override of HTML still escapes")
    func newKind() async throws {
        try await Self.withTemplates([
            "welcome.subject.mustache": "Hello {{username}}",
            "welcome.text.mustache": "Text for {{username}}",
            "welcome.html.mustache": "<p>{{username}}</p>",
        ]) { directory in
            let mail = try Self.renderer(templates: directory).render(Self.message(kind: "welcome", payload: ["username": "<i>zoe</i>"]))
            #expect(mail.subject == "Hello <i>zoe</i>")
            #expect(mail.text == "Text for <i>zoe</i>")
            #expect(mail.html == "<p>&lt;i&gt;zoe&lt;/i&gt;</p>")
        }
    }

    @Test("a directory without a mail folder, or with an empty one, changes nothing")
    func emptyDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let message = Self.message(kind: AccountMessage.verifyEmail, payload: Self.kinds[0].payload)
            let expected = try Self.renderer().render(message)
            #expect(try Self.renderer(templates: directory.path).render(message) == expected)
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("mail"), withIntermediateDirectories: true)
            #expect(try Self.renderer(templates: directory.path).render(message) == expected)
        }
    }

    @Test("a templates directory that does not exist, or is a file, is a RenderingError naming it")
    func missingDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("no-such-templates").path
            let error = #expect(throws: MessageRenderer.RenderingError.self) { try Self.renderer(templates: missing) }
            #expect(error?.description.contains("no-such-templates") == true)
            let file = directory.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: file)
            #expect(throws: MessageRenderer.RenderingError.self) { try Self.renderer(templates: file.path) }
        }
    }

    static let malformed: [(file: String, content: String)] = [
        ("verify_email.html.mustache", "<p>{{#username}}never closed</p>"),
        ("verify_email.text.mustache", "{{/link}} closed, never opened"),
        ("reset_password.subject.mustache", "{{unterminated"),
        ("welcome.text.mustache", "{{#a}}{{/b}}"),
    ]

    @Test("a template that does not parse is a RenderingError naming it, at start", arguments: malformed)
    func malformedTemplate(file: String, content: String) async throws {
        try await Self.withTemplates([file: content]) { directory in
            let error = #expect(throws: MessageRenderer.RenderingError.self) {
                try Self.renderer(templates: directory)
            }
            let name = String(file.dropLast(".mustache".count))
            #expect(error?.description.contains(name) == true, "\(error?.description ?? "")")
        }
    }

    @Test("a template file that cannot be read is a RenderingError")
    func unreadableTemplate() async throws {
        try await withTemporaryDirectory { directory in
            let mail = directory.appendingPathComponent("mail", isDirectory: true)
            // A folder where a template file should be, and a file that is not UTF-8.
            try FileManager.default.createDirectory(at: mail.appendingPathComponent("verify_email.text.mustache"), withIntermediateDirectories: true)
            #expect(throws: MessageRenderer.RenderingError.self) { try Self.renderer(templates: directory.path) }
            try FileManager.default.removeItem(at: mail.appendingPathComponent("verify_email.text.mustache"))
            try Data([0x48, 0xFF, 0xFE, 0x00, 0xC3]).write(to: mail.appendingPathComponent("verify_email.html.mustache"))
            #expect(throws: MessageRenderer.RenderingError.self) { try Self.renderer(templates: directory.path) }
        }
    }

    // MARK: What cannot be rendered

    @Test("an unknown kind, or a kind with only some of its templates, is a RenderingError")
    func unknownKind() async throws {
        let renderer = try Self.renderer()
        let error = #expect(throws: MessageRenderer.RenderingError.self) {
            try renderer.render(Self.message(kind: "no_such_kind", payload: ["username": "zoe"]))
        }
        #expect(error?.description.contains("no_such_kind") == true)
        try await Self.withTemplates(["partial.subject.mustache": "Only a subject"]) { directory in
            let partial = try Self.renderer(templates: directory)
            #expect(throws: MessageRenderer.RenderingError.self) {
                try partial.render(Self.message(kind: "partial", payload: [:]))
            }
        }
    }

    @Test(
        "a payload that is not an object of strings is a RenderingError that does not repeat it",
        arguments: ["", "not json https://app.example.com/?token=s3cr3t", "[\"s3cr3t\"]", #"{"link": 5, "token": "s3cr3t"}"#, "null"]
    )
    func unreadablePayload(payload: String) throws {
        var message = Self.message(kind: AccountMessage.verifyEmail, payload: [:])
        message.payload = payload
        let error = #expect(throws: MessageRenderer.RenderingError.self) {
            try Self.renderer().render(message)
        }
        #expect(error?.description.contains("s3cr3t") == false)
        #expect(error?.description.contains(message.id) == true)
    }

    @Test("a missing value renders as nothing rather than failing")
    func missingValue() throws {
        let mail = try Self.renderer().render(Self.message(kind: AccountMessage.verifyEmail, payload: ["username": "zoe"]))
        #expect(mail.text.contains("Hello zoe,"))
        #expect(mail.text.contains("expires in ."))
    }
}
