import Synchronization

/// The user-agent hashes one signing key computed lately.
///
/// A client sends the same user agent with every request, and its keyed hash under one key never
/// changes, so each request that checks the `uah` claim would otherwise run HMAC-SHA256 again for the
/// same answer. The memo is bounded: past ``capacity`` distinct user agents it starts over, and user
/// agents longer than ``longestKept`` bytes are hashed every time and not kept. It holds only values
/// that any token signed with the key already carries in clear.
final class UserAgentHashMemo: Sendable {
    static let capacity = 256
    static let longestKept = 512

    private let hashes = Mutex<[String: String]>([:])

    /// The hash of `userAgent`, from the memo or from `compute`.
    func hash(of userAgent: String, computing compute: (String) -> String) -> String {
        guard userAgent.utf8.count <= Self.longestKept else { return compute(userAgent) }
        if let known = hashes.withLock({ $0[userAgent] }) { return known }
        let hash = compute(userAgent)
        hashes.withLock { hashes in
            // A new table rather than emptying the old one: it costs what the old one held.
            if hashes.count >= Self.capacity { hashes = [:] }
            hashes[userAgent] = hash
        }
        return hash
    }

    /// How many user agents are kept now.
    var count: Int { hashes.withLock { $0.count } }
}
