import Foundation
import Gatehouse
import GatehouseVerifier
import Logging
import Synchronization

/// An identity provider's signature keys, fetched when first needed and kept, so that verifying an ID
/// token costs no request to the provider.
///
/// The set is kept for ``lifetime``; a token naming a key id the set lacks (the provider rotated its
/// keys) makes the cache fetch again, but at most once per ``minimumRefetchInterval``, so that tokens
/// with made-up key ids cannot make Gatehouse hammer the provider. Concurrent callers share one
/// fetch. When a refresh fails, the keys already known keep working; only a set never fetched is an
/// outage.
public final class ProviderKeyCache: Sendable {
    /// How long a fetched set is used before it is fetched again. Default 1 hour.
    public let lifetime: Duration
    /// The shortest time between two fetches caused by unknown key ids. Default 30 s.
    public let minimumRefetchInterval: Duration
    private let source: any KeySetSource
    private let clock: any WallClock
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var keys: ProviderKeySet?
        var fetchedAt: Date?
        var lastAttempt: Date?
        /// Counts finished fetches, so that a caller can tell a fetch finished since it looked.
        var generation = 0
        var lastFetchFailed = false
        var inFlight: Task<Result<ProviderKeySet, AccountError>, Never>?
    }

    /// A cache of the keys `source` gives (usually an `HTTPKeySetSource` for the provider's
    /// `jwks_uri`); `clock` decides when the set is stale, so tests need no sleeping.
    public init(
        source: any KeySetSource,
        lifetime: Duration = .seconds(3600),
        minimumRefetchInterval: Duration = .seconds(30),
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "gatehouse.oidc")
    ) {
        self.source = source
        self.lifetime = lifetime
        self.minimumRefetchInterval = minimumRefetchInterval
        self.clock = clock
        self.logger = logger
    }

    /// The key that checks a token whose header names `kid` (or none) and `algorithm`.
    ///
    /// - Throws: `AccountError.Code.identityVerificationFailed` with `AccountError.Detail.unknownKey`
    ///   when no key fits, even after a refetch, or with `AccountError.Detail.tokenHeader` when the
    ///   named key checks another algorithm; `AccountError.Code.providerUnavailable` when no key set
    ///   could be had at all.
    public func key(for kid: String?, algorithm: ProviderKey.Algorithm) async throws(AccountError) -> ProviderKey {
        let now = clock.now()
        let (keys, fresh, mayRefetch, generation) = state.withLock { state in
            let fresh = state.fetchedAt.map { now < $0.addingTimeInterval(Self.seconds(lifetime)) } ?? false
            let mayRefetch = state.lastAttempt.map { now >= $0.addingTimeInterval(Self.seconds(minimumRefetchInterval)) } ?? true
            return (state.keys, fresh, mayRefetch, state.generation)
        }
        let selection = keys?.select(kid: kid, algorithm: algorithm) ?? .missing
        var known: ProviderKey?
        switch selection {
        case .key(let key):
            if fresh { return key }
            known = key
        case .wrongAlgorithm:
            throw AccountError.identityVerificationFailed(.tokenHeader)
        case .ambiguous:
            throw AccountError.identityVerificationFailed(.unknownKey)
        case .missing:
            break
        }
        if keys != nil, !mayRefetch {
            // Fetched (or tried) too recently to ask again: what is known is all there is.
            if let known { return known }
            throw AccountError.identityVerificationFailed(.unknownKey)
        }
        let fetched: ProviderKeySet
        do {
            fetched = try await fetch(after: generation)
        } catch {
            // A stale key still checks signatures; only a key set never fetched is an outage.
            if let known { return known }
            if keys != nil { throw AccountError.identityVerificationFailed(.unknownKey) }
            throw error
        }
        switch fetched.select(kid: kid, algorithm: algorithm) {
        case .key(let key): return key
        case .wrongAlgorithm: throw AccountError.identityVerificationFailed(.tokenHeader)
        case .ambiguous, .missing: throw AccountError.identityVerificationFailed(.unknownKey)
        }
    }

    /// Fetches the key set now, whatever the cache holds, and returns it.
    ///
    /// - Throws: `AccountError.Code.providerUnavailable` when it cannot be fetched or read; the keys
    ///   already known are kept.
    @discardableResult
    public func refresh() async throws(AccountError) -> ProviderKeySet {
        try await fetch(after: nil)
    }

    /// The set last fetched, if any.
    public var currentKeys: ProviderKeySet? { state.withLock { $0.keys } }

    /// One fetch at a time: callers arriving while one runs wait for it, and a caller that looked at
    /// the cache before a fetch finished (`generation` is what it saw) takes that fetch's result
    /// instead of starting another. `nil` forces a new fetch unless one is running.
    private func fetch(after generation: Int?) async throws(AccountError) -> ProviderKeySet {
        enum Step {
            case wait(Task<Result<ProviderKeySet, AccountError>, Never>)
            case done(Result<ProviderKeySet, AccountError>)
        }
        let step = state.withLock { state -> Step in
            if let running = state.inFlight { return .wait(running) }
            if let generation, generation != state.generation {
                if let keys = state.keys, !state.lastFetchFailed { return .done(.success(keys)) }
                return .done(.failure(AccountError.providerUnavailable()))
            }
            state.lastAttempt = clock.now()
            let running = Task { await self.load() }
            state.inFlight = running
            return .wait(running)
        }
        switch step {
        case .wait(let task): return try await task.value.get()
        case .done(let result): return try result.get()
        }
    }

    /// Fetches and reads the set, then records the outcome; runs once per fetch, whoever waits.
    private func load() async -> Result<ProviderKeySet, AccountError> {
        let result: Result<ProviderKeySet, AccountError>
        do {
            let document = try await source.fetchKeySet()
            result = Result { () throws(AccountError) in try ProviderKeySet(parsing: document) }
            if case .failure = result {
                logger.warning("the identity provider's key set has no usable key or is not a key set")
            }
        } catch let error as KeySetUnavailable {
            logger.warning("could not fetch the identity provider's keys", metadata: ["gatehouse.error": "\(error)"])
            result = .failure(AccountError.providerUnavailable())
        } catch {
            logger.warning("could not fetch the identity provider's keys", metadata: ["gatehouse.error": "\(type(of: error))"])
            result = .failure(AccountError.providerUnavailable())
        }
        let now = clock.now()
        state.withLock { state in
            state.inFlight = nil
            state.generation += 1
            switch result {
            case .success(let keys):
                state.keys = keys
                state.fetchedAt = now
                state.lastFetchFailed = false
            case .failure:
                state.lastFetchFailed = true
            }
        }
        if case .success(let keys) = result {
            logger.debug("identity provider keys fetched", metadata: ["gatehouse.keys": "\(keys.keys.count)"])
        }
        return result
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}
