/// Why a message of the outbox could not be delivered, and whether a later attempt may succeed.
///
/// Its description names what failed — a reply code, a status, the kind of a connection error — and
/// never the message's content, its recipient's secrets or a signature: it is stored as the message's
/// ``OutboxMessage/lastError`` and logged.
public struct DeliveryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether the failure may pass (a busy server, a lost connection, a timeout): the message is tried
    /// again while its ``RetryPolicy`` allows. A permanent failure is not retried.
    public var isTemporary: Bool
    /// What failed, in a few words.
    public var reason: String

    /// A failure that may pass when `temporary`, or one that will not.
    public init(temporary: Bool, reason: String) {
        self.isTemporary = temporary
        self.reason = reason
    }

    /// A failure that may pass.
    public static func temporary(_ reason: String) -> DeliveryFailure { DeliveryFailure(temporary: true, reason: reason) }
    /// A failure that will not.
    public static func permanent(_ reason: String) -> DeliveryFailure { DeliveryFailure(temporary: false, reason: reason) }

    /// Whether the failure is temporary or permanent, and its reason.
    public var description: String { "\(isTemporary ? "temporary" : "permanent") delivery failure: \(reason)" }
}
