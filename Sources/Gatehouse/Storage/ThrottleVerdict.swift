/// What ``ThrottleStore/reserveAttempt(under:at:)`` decided.
public enum ThrottleVerdict: Sendable, Equatable {
    /// One attempt was counted under every limit.
    case reserved
    /// A limit is reached; nothing was counted. A new attempt may succeed after `retryAfter`.
    case refused(retryAfter: Duration)
}
