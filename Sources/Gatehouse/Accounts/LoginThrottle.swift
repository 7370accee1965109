import struct Foundation.Date

/// Limits password attempts, with counters kept in the store so that every server of a cluster and
/// every restart sees the same counts.
///
/// Each attempt is reserved before the password is hashed — atomically under all its limits — so a
/// burst of concurrent guesses cannot all pass a check made before any of them was counted. Limits:
/// - per (account, address): the tight one (default 5 per 15 minutes);
/// - per address (default 20 per 15 minutes), an IPv6 address counted by its /64 network;
/// - per account, from anywhere (default 100 per 15 minutes) — except for an address that logged in to
///   that account in the last 30 days, so that a stranger's guesses cannot lock the owner out.
///
/// A successful login takes its attempt back from the address and account counts, clears the pair's
/// count and remembers the address as trusted for the account.
public struct LoginThrottle: Sendable {
    /// The limits; every field has a default.
    public struct Limits: Sendable, Equatable {
        /// Per (account, address). Default 5 per 15 minutes.
        public var perPair: RateLimit
        /// Per address (IPv6: per /64). Default 20 per 15 minutes.
        public var perAddress: RateLimit
        /// Per account, from addresses not trusted for it. Default 100 per 15 minutes.
        public var perAccount: RateLimit
        /// How long an address that logged in to an account stays exempt from that account's limit.
        /// Default 30 days.
        public var trustedAddressMemory: Duration

        public init(
            perPair: RateLimit = RateLimit(count: 5, window: .seconds(15 * 60)),
            perAddress: RateLimit = RateLimit(count: 20, window: .seconds(15 * 60)),
            perAccount: RateLimit = RateLimit(count: 100, window: .seconds(15 * 60)),
            trustedAddressMemory: Duration = .seconds(30 * 86_400)
        ) {
            self.perPair = perPair
            self.perAddress = perAddress
            self.perAccount = perAccount
            self.trustedAddressMemory = trustedAddressMemory
        }
    }

    /// One reserved attempt: what to settle once the password was checked.
    public struct Attempt: Sendable {
        /// `nil` for an attempt counted against its address alone.
        let account: String?
        let address: String
        let keys: Keys
    }

    struct Keys: Sendable {
        var pair: String
        var address: String
        var account: String
    }

    public let limits: Limits
    private let store: any ThrottleStore
    private let clock: any WallClock

    public init(limits: Limits = Limits(), store: any ThrottleStore, clock: any WallClock = SystemWallClock()) {
        self.limits = limits
        self.store = store
        self.clock = clock
    }

    /// Reserves an attempt for `username` from `ip`, or throws ``AccountError/Code/tooManyAttempts``.
    public func reserve(username: String, ip: String) async throws -> Attempt {
        let account = ThrottleKeys.account(username)
        let address = ThrottleKeys.address(ip)
        let keys = Self.keys(account: account, address: address)
        let now = clock.now()
        var applicable = [limits.perPair.limit(keys.pair), limits.perAddress.limit(keys.address)]
        let trusted = try await store.isTrustedAddress(address, account: account, since: now.addingTimeInterval(-limits.trustedAddressMemory.seconds))
        if !trusted { applicable.append(limits.perAccount.limit(keys.account)) }
        switch try await store.reserveAttempt(under: applicable, at: now) {
        case .reserved:
            return Attempt(account: account, address: address, keys: keys)
        case .refused(let retryAfter):
            throw AccountError.tooManyAttempts(retryAfter: Int(retryAfter.seconds.rounded(.up)))
        }
    }

    /// Reserves an attempt from `ip` under the per-address limit alone, or throws
    /// ``AccountError/Code/tooManyAttempts``: for a login that names no account until it is verified —
    /// an identity provider's answer — so that forged answers are counted like wrong passwords.
    public func reserve(ip: String) async throws -> Attempt {
        let address = ThrottleKeys.address(ip)
        let keys = Self.keys(account: "", address: address)
        switch try await store.reserveAttempt(under: [limits.perAddress.limit(keys.address)], at: clock.now()) {
        case .reserved:
            return Attempt(account: nil, address: address, keys: keys)
        case .refused(let retryAfter):
            throw AccountError.tooManyAttempts(retryAfter: Int(retryAfter.seconds.rounded(.up)))
        }
    }

    /// Settles a successful login: the attempt was no failure.
    public func succeeded(_ attempt: Attempt) async throws {
        let now = clock.now()
        guard let account = attempt.account else {
            try await store.releaseAttempt(keys: [attempt.keys.address], at: now)
            return
        }
        try await store.clearAttempts(keys: [attempt.keys.pair], prefixes: [])
        try await store.releaseAttempt(keys: [attempt.keys.address, attempt.keys.account], at: now)
        try await store.recordTrustedAddress(attempt.address, account: account, at: now)
    }

    /// Forgets the failed attempts against `username` (after its password was reset).
    public func clear(username: String) async throws {
        let account = ThrottleKeys.account(username)
        try await store.clearAttempts(keys: ["login.account:\(account)"], prefixes: ["login.pair:\(account)|"])
    }

    static func keys(account: String, address: String) -> Keys {
        Keys(pair: "login.pair:\(account)|\(address)", address: "login.address:\(address)", account: "login.account:\(account)")
    }
}
