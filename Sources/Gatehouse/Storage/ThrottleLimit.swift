/// One limit on attempts: at most ``limit`` attempts under ``key`` in a window of ``window``, the window
/// starting with the first attempt.
public struct ThrottleLimit: Sendable, Hashable {
    /// What is counted, for example `login.address:203.0.113.7`. Bounded in size by its maker.
    public var key: String
    /// How many attempts a window allows.
    public var limit: Int
    /// How long a window lasts.
    public var window: Duration

    public init(key: String, limit: Int, window: Duration) {
        self.key = key
        self.limit = limit
        self.window = window
    }
}
