/// Why a message could not be delivered, and whether a later attempt may succeed. Its description names
/// what failed (a reply code, a status, a connection error) and never the message's content.
public struct MailDeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether the failure may pass: a 4xx SMTP reply, a refused or lost connection, a 5xx or 429 HTTP
    /// status. A permanent one (a 5xx SMTP reply, a 4xx HTTP status) is not retried.
    public var isTemporary: Bool
    /// What failed, in a few words.
    public var reason: String

    public init(temporary: Bool, reason: String) {
        self.isTemporary = temporary
        self.reason = reason
    }

    /// A failure that may pass.
    public static func temporary(_ reason: String) -> MailDeliveryError { MailDeliveryError(temporary: true, reason: reason) }
    /// A failure that will not.
    public static func permanent(_ reason: String) -> MailDeliveryError { MailDeliveryError(temporary: false, reason: reason) }

    public var description: String { "\(isTemporary ? "temporary" : "permanent") delivery failure: \(reason)" }
}
