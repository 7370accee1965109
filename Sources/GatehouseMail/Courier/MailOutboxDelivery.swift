import Gatehouse

/// What delivering one message of the `.mail` channel means: rendering it with the templates, then
/// handing it to the transport.
///
/// A message that cannot be rendered — an unknown kind, an unreadable payload — will not render on a
/// later attempt either: it is a permanent failure, and the message is marked failed at once.
struct MailOutboxDelivery: OutboxDelivery {
    let transport: any MailTransport
    let renderer: MessageRenderer

    func deliver(_ message: OutboxMessage) async throws(DeliveryFailure) {
        let mail: MailMessage
        do {
            mail = try renderer.render(message)
        } catch {
            // The renderer's errors name the kind or the template, never the payload.
            throw .permanent("\(error)")
        }
        try await transport.send(mail)
    }
}
