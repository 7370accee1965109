/// How often, and how far apart, a message whose delivery failed for a reason that may pass is tried
/// again: exponential backoff from ``firstDelay``, doubled each time up to ``longestDelay``, for at most
/// ``maximumAttempts`` attempts in all.
///
/// Every channel of the outbox uses one: an ``OutboxDispatcher`` asks it, after each temporary
/// ``DeliveryFailure``, whether and when to try again.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first one included; at least 1.
    public var maximumAttempts: Int
    /// The wait after the first failed attempt.
    public var firstDelay: Duration
    /// The wait the doubling stops at.
    public var longestDelay: Duration

    /// 8 attempts, from 10 s to 1 hour apart: about four hours in all.
    public init(maximumAttempts: Int = 8, firstDelay: Duration = .seconds(10), longestDelay: Duration = .seconds(3_600)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.firstDelay = firstDelay
        self.longestDelay = longestDelay
    }

    /// The wait after the `attempt`-th failed attempt (1 for the first).
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(0, attempt - 1), 30)
        let delay = firstDelay * (1 << exponent)
        return min(delay, longestDelay)
    }
}
