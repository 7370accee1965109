/// How rendered messages leave the server: SMTP, an HTTP endpoint, or files.
public protocol MailTransport: Sendable {
    /// Delivers `message`, or throws a ``MailDeliveryError`` saying whether trying again later may
    /// succeed.
    func send(_ message: MailMessage) async throws(MailDeliveryError)
}
