/// An e-mail ready to send: addresses, subject, and the body as plain text and HTML.
public struct MailMessage: Sendable, Equatable {
    /// The sender, as `Name <address>` or a bare address.
    public var from: String
    /// The recipient's address.
    public var to: String
    public var subject: String
    public var text: String
    public var html: String
    /// A stable identifier of the message (the outbox id), so a receiver can tell a redelivery from a
    /// new message.
    public var messageID: String

    public init(from: String, to: String, subject: String, text: String, html: String, messageID: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
    }
}
