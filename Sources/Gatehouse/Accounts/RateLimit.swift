/// A number of attempts per window, as written in configuration: `20/1h`, `5/15m`.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// How many attempts a window allows (at least 1).
    public var count: Int
    /// How long a window lasts; it starts with the first attempt.
    public var window: Duration

    public init(count: Int, window: Duration) {
        self.count = count
        self.window = window
    }

    /// Parses `N/duration` (`20/1h`, `5 / 15m`), the duration with a unit. Throws
    /// ``AccountError/Code/invalidConfiguration`` for anything else, a count below 1 or a window that is
    /// not positive.
    public init(parsing text: String) throws(AccountError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: " ")), count >= 1, count <= 1_000_000 else {
            throw AccountError.invalidConfiguration(.rateLimit)
        }
        let window = try DurationParser.parse(String(parts[1].trimmingCharacters(in: " ")), requiringUnit: true)
        guard window > .zero else { throw AccountError.invalidConfiguration(.rateLimit) }
        self.init(count: count, window: window)
    }

    /// `count/seconds s`.
    public var description: String { "\(count)/\(window.components.seconds)s" }

    /// The store's form of this limit for `key`.
    package func limit(_ key: String) -> ThrottleLimit {
        ThrottleLimit(key: key, limit: count, window: window)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var text = self
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return text
    }
}
