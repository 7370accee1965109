/// The channel-specific half of delivering the outbox: what becomes of one claimed message — an e-mail
/// rendered and handed to a transport, a webhook signed and posted.
///
/// An ``OutboxDispatcher`` claims due messages and calls ``deliver(_:)`` for each; it records the
/// outcome and decides about retries, so a delivery only says whether the message went out.
public protocol OutboxDelivery: Sendable {
    /// Delivers `message`, or throws a ``DeliveryFailure`` saying whether trying again later may
    /// succeed. Returning means the receiver accepted the message: it is then marked sent.
    func deliver(_ message: OutboxMessage) async throws(DeliveryFailure)
}
