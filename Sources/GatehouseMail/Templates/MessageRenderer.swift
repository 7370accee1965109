import Foundation
import Gatehouse
import Mustache

/// Turns an outbox entry into an e-mail: its kind names the templates (`<kind>.subject`, `<kind>.text`,
/// `<kind>.html`), its payload gives their values, with `brand` added.
///
/// The templates are built in (see the messages `gatehouse serve` sends); a directory can override any of
/// them with a file `mail/<name>.mustache` — for example `mail/reset_password.html.mustache`.
public struct MessageRenderer: Sendable {
    /// Why a message cannot be rendered; never its content.
    public struct RenderingError: Error, CustomStringConvertible {
        public let description: String
    }

    private let library: MustacheLibrary
    /// The product name the messages speak of.
    public let brand: String
    /// Who messages come from, as `Name <address>`.
    public let sender: String

    /// - Parameters:
    ///   - templatesDirectory: A directory whose `mail/` folder overrides built-in templates; `nil` for none.
    ///   - brand: The product name shown in messages.
    ///   - sender: The `From` address.
    /// - Throws: ``RenderingError`` when a template does not parse.
    public init(templatesDirectory: String? = nil, brand: String = "Gatehouse", sender: String) throws {
        var library = MustacheLibrary()
        for (name, text) in BuiltInMailTemplates.all {
            try Self.register(text, named: name, in: &library)
        }
        if let templatesDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: templatesDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RenderingError(description: "the templates directory \(templatesDirectory) does not exist")
            }
            let folder = URL(fileURLWithPath: templatesDirectory).appendingPathComponent("mail", isDirectory: true)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in files.sorted() where file.hasSuffix(".mustache") {
                let name = String(file.dropLast(".mustache".count))
                guard let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else {
                    throw RenderingError(description: "cannot read the template \(file)")
                }
                try Self.register(text, named: name, in: &library)
            }
        }
        self.library = library
        self.brand = brand
        self.sender = sender
    }

    private static func register(_ text: String, named name: String, in library: inout MustacheLibrary) throws {
        // Subjects and text bodies are text: `&` must stay `&`.
        let source = name.hasSuffix(".html") ? text : BuiltInMailTemplates.textPragma + text
        do {
            try library.register(source, named: name)
        } catch {
            throw RenderingError(description: "the template \(name) does not parse")
        }
    }

    /// The e-mail for `message`.
    public func render(_ message: OutboxMessage) throws -> MailMessage {
        guard let data = message.payload.data(using: .utf8), let values = try? JSONDecoder().decode([String: String].self, from: data) else {
            throw RenderingError(description: "the message \(message.id) has no readable payload")
        }
        var context = values
        context["brand"] = brand
        func part(_ name: String) throws -> String {
            guard let text = library.render(context, withTemplate: "\(message.kind).\(name)") else {
                throw RenderingError(description: "no template \(message.kind).\(name)")
            }
            return text
        }
        let subject = try part("subject").split(whereSeparator: \.isNewline).joined(separator: " ")
        return MailMessage(
            from: sender,
            to: message.recipient,
            subject: subject,
            text: try part("text"),
            html: try part("html"),
            messageID: message.id
        )
    }
}
