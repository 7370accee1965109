/// What a store writes in the same transaction as a change, when the change takes effect: the audit
/// events recording it and the webhook calls announcing them (outbox messages on
/// ``OutboxMessage/Channel/webhook``). Nothing of it is written when the change does not happen — an
/// update that finds no row, a session insert refused by the account's epoch.
public struct AuditTrail: Sendable, Equatable {
    public var events: [AuditEvent]
    /// The webhook calls, one per event and endpoint.
    public var messages: [OutboxMessage]

    public init(events: [AuditEvent] = [], messages: [OutboxMessage] = []) {
        self.events = events
        self.messages = messages
    }

    /// Nothing to record.
    public static let none = AuditTrail()

    public var isEmpty: Bool { events.isEmpty && messages.isEmpty }
}
