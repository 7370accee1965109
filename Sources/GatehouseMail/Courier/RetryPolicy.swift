/// How often, and how far apart, a message whose delivery failed for a reason that may pass is tried
/// again: exponential backoff from ``firstDelay``, doubled each time up to ``longestDelay``, for at most
/// ``maximumAttempts`` attempts in all.
public struct RetryPolicy: Sendable, Equatable {
    public var maximumAttempts: Int
    public var firstDelay: Duration
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
