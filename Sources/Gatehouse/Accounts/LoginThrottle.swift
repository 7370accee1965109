import Synchronization

import struct Foundation.Date

/// Limits failed logins per (account, client IP) pair, per client IP and per account, each over a
/// sliding window, so that guessing passwords is slow and a stranger cannot cheaply lock a user out
/// (the pair limit is the tight one; the per-account limit is high).
///
/// Over any limit, every attempt that limit covers is refused with
/// ``AccountError/Code/tooManyAttempts`` (and a retry delay) — even with the right password — and the
/// refused attempt is not counted, so refusals do not extend the window. A successful login clears the
/// pair's failures.
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable, Equatable {
        public var window: Duration
        public var perPair: Int
        public var perIP: Int
        public var perAccount: Int

        /// 5 per pair, 20 per IP, 100 per account in 15 minutes.
        public init(window: Duration = .seconds(15 * 60), perPair: Int = 5, perIP: Int = 20, perAccount: Int = 100) {
            self.window = window
            self.perPair = perPair
            self.perIP = perIP
            self.perAccount = perAccount
        }
    }

    public let limits: Limits
    private let clock: any WallClock
    private let failures = Mutex<[String: [Date]]>([:])
    /// Bounds memory under a flood of distinct keys; the oldest keys are dropped first.
    private let maximumKeys = 100_000

    public init(limits: Limits = Limits(), clock: any WallClock = SystemWallClock()) {
        self.limits = limits
        self.clock = clock
    }

    private func keys(username: String, ip: String) -> [(key: String, limit: Int)] {
        let username = Self.boundedKey(username)
        let ip = Self.boundedKey(ip)
        return [("pair\u{0}\(username)\u{0}\(ip)", limits.perPair), ("ip\u{0}\(ip)", limits.perIP), ("account\u{0}\(username)", limits.perAccount)]
    }

    /// The attempted username comes straight from the request body: kept as it is, a flood of failures
    /// with distinct, body-sized names would hold up to ``maximumKeys`` of them in memory. A long one
    /// (no valid username is) is counted under its digest instead.
    private static func boundedKey(_ text: String) -> String {
        guard text.utf8.count > 64 else { return text }
        return "#" + Base64URL.encode(SecretDigest.sha256(text))
    }

    /// The bytes held by the failure keys: what ``maximumKeys`` bounds together with the key size.
    package var retainedKeyBytes: Int {
        failures.withLock { $0.keys.reduce(0) { $0 + $1.utf8.count } }
    }

    /// Throws ``AccountError/Code/tooManyAttempts`` when an attempt for this username from this IP
    /// must be refused now.
    public func check(username: String, ip: String) throws(AccountError) {
        let now = clock.now()
        let window = limits.window.seconds
        let retryAfter: Double? = failures.withLock { failures in
            var wait: Double?
            for (key, limit) in keys(username: username, ip: ip) {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait ?? 0, oldest.timeIntervalSince(now) + window)
                }
            }
            return wait
        }
        if let retryAfter {
            throw AccountError.tooManyAttempts(retryAfter: Int(retryAfter.rounded(.up)))
        }
    }

    /// Counts a failed attempt.
    public func recordFailure(username: String, ip: String) {
        let now = clock.now()
        failures.withLock { failures in
            if failures.count >= maximumKeys, let victim = failures.min(by: { ($0.value.last ?? now) < ($1.value.last ?? now) })?.key {
                failures[victim] = nil
            }
            for (key, _) in keys(username: username, ip: ip) { failures[key, default: []].append(now) }
        }
    }

    /// Clears the pair's failures after a successful login.
    public func recordSuccess(username: String, ip: String) {
        let pair = keys(username: username, ip: ip)[0].key
        failures.withLock { $0[pair] = nil }
    }
}
