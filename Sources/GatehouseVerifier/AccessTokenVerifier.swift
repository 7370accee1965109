import Foundation
import Gatehouse
import Logging
import Synchronization

/// Checks Gatehouse access tokens in a service downstream, with nothing but the issuer's JWKS.
///
/// The key set is fetched on first use and kept for ``Configuration/cacheLifetime``; a token naming
/// a key id the set lacks makes the verifier fetch again (a rotated key), but at most once per
/// ``Configuration/minimumRefetchInterval``, so tokens with made-up key ids cannot make it hammer the
/// issuer. Concurrent callers share one fetch. When a refresh fails, the keys already known keep
/// working.
///
/// ```swift
/// let verifier = AccessTokenVerifier(configuration: .init(
///     keySetURL: "https://auth.example.com/.well-known/jwks.json",
///     issuer: "https://auth.example.com",
///     audience: "billing"))
/// let claims = try await verifier.verify(token)   // claims.accountID, claims.sessionID, …
/// ```
public final class AccessTokenVerifier: Sendable {
    /// What the verifier accepts and how it keeps the key set.
    public struct Configuration: Sendable {
        /// The issuer's JWKS URL.
        public var keySetURL: String
        /// The `iss` tokens must carry.
        public var issuer: String
        /// The `aud` tokens must carry: this service's name.
        public var audience: String
        /// Clock difference tolerated for `exp`, `nbf` and `iat`. Default 30 s.
        public var leeway: Duration
        /// How long a fetched key set is used before it is fetched again. Default 5 minutes.
        public var cacheLifetime: Duration
        /// The shortest time between two fetches caused by unknown key ids. Default 10 s.
        public var minimumRefetchInterval: Duration
        /// How long one fetch may take, connection attempts included: a request waiting for an
        /// unreachable issuer waits this long. Default 5 s.
        public var fetchTimeout: Duration

        public init(
            keySetURL: String,
            issuer: String,
            audience: String,
            leeway: Duration = .seconds(30),
            cacheLifetime: Duration = .seconds(300),
            minimumRefetchInterval: Duration = .seconds(10),
            fetchTimeout: Duration = .seconds(5)
        ) {
            self.keySetURL = keySetURL
            self.issuer = issuer
            self.audience = audience
            self.leeway = leeway
            self.cacheLifetime = cacheLifetime
            self.minimumRefetchInterval = minimumRefetchInterval
            self.fetchTimeout = fetchTimeout
        }
    }

    private struct Cache {
        var keys: [String: AccessTokenPublicKey] = [:]
        var fetchedAt: Date?
        var lastAttempt: Date?
        var inFlight: Task<[String: AccessTokenPublicKey], any Error>?
    }

    public let configuration: Configuration
    private let source: any KeySetSource
    private let clock: any WallClock
    private let codec: AccessTokenCodec
    private let logger: Logger
    private let cache = Mutex(Cache())

    /// A verifier that fetches the key set from ``Configuration/keySetURL`` over HTTP.
    public convenience init(
        configuration: Configuration,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "gatehouse.verifier")
    ) {
        self.init(
            configuration: configuration,
            source: HTTPKeySetSource(url: configuration.keySetURL, timeout: configuration.fetchTimeout),
            clock: clock,
            logger: logger
        )
    }

    /// A verifier that gets the key set from `source` (``Configuration/keySetURL`` is then only
    /// informative).
    public init(
        configuration: Configuration,
        source: any KeySetSource,
        clock: any WallClock = SystemWallClock(),
        codec: AccessTokenCodec = AccessTokenCodec(),
        logger: Logger = Logger(label: "gatehouse.verifier")
    ) {
        self.configuration = configuration
        self.source = source
        self.clock = clock
        self.codec = codec
        self.logger = logger
    }

    /// Verifies `token` and returns its claims.
    ///
    /// - Throws: `AccountError` with the code `TokenVerificationFailed` and the failed check
    ///   as its detail (malformed, header, unknown key, signature, claims, issuer, audience, expired,
    ///   not yet valid); ``KeySetUnavailable`` when no key set could be had at all.
    public func verify(_ token: String) async throws -> AccessTokenClaims {
        let parsed = try codec.parse(token)
        let key = try await key(for: parsed.kid)
        let expectations = AccessTokenCodec.Expectations(
            issuer: configuration.issuer,
            audience: configuration.audience,
            leeway: configuration.leeway.components.seconds
        )
        return try codec.verify(parsed, with: key, expecting: expectations, now: Int64(clock.now().timeIntervalSince1970.rounded(.down)))
    }

    /// Fetches the key set now, whatever the cache holds; returns the key ids it has.
    @discardableResult
    public func refresh() async throws -> [String] {
        try await fetch().keys.sorted()
    }

    private func key(for kid: String) async throws -> AccessTokenPublicKey {
        let now = clock.now()
        let (known, fresh, mayRefetch) = cache.withLock { cache in
            let fresh = cache.fetchedAt.map { now < $0.addingTimeInterval(configuration.cacheLifetime.seconds) } ?? false
            let mayRefetch = cache.lastAttempt.map { now >= $0.addingTimeInterval(configuration.minimumRefetchInterval.seconds) } ?? true
            return (cache.keys[kid], fresh, mayRefetch)
        }
        if let known, fresh { return known }
        if fresh && !mayRefetch { throw AccountError.tokenVerificationFailed(.unknownKey) }
        let keys: [String: AccessTokenPublicKey]
        do {
            keys = try await fetch()
        } catch {
            // A stale key still checks signatures; only a key set never fetched is an outage.
            if let known { return known }
            let everFetched = cache.withLock { $0.fetchedAt != nil }
            if everFetched { throw AccountError.tokenVerificationFailed(.unknownKey) }
            throw error
        }
        guard let key = keys[kid] else { throw AccountError.tokenVerificationFailed(.unknownKey) }
        return key
    }

    /// One fetch at a time: callers arriving while one runs wait for it.
    private func fetch() async throws -> [String: AccessTokenPublicKey] {
        let task = cache.withLock { cache in
            if let running = cache.inFlight { return running }
            cache.lastAttempt = clock.now()
            let source = source
            let running = Task { () throws -> [String: AccessTokenPublicKey] in
                let document = try await source.fetchKeySet()
                do {
                    return try JSONWebKeySet.ed25519Keys(in: document)
                } catch {
                    throw KeySetUnavailable(reason: "the document is not a key set")
                }
            }
            cache.inFlight = running
            return running
        }
        do {
            let keys = try await task.value
            cache.withLock { cache in
                cache.keys = keys
                cache.fetchedAt = clock.now()
                if cache.inFlight == task { cache.inFlight = nil }
            }
            logger.debug("access-token keys fetched", metadata: ["gatehouse.keys": "\(keys.count)"])
            return keys
        } catch {
            cache.withLock { cache in
                if cache.inFlight == task { cache.inFlight = nil }
            }
            logger.warning("could not fetch the access-token keys", metadata: ["gatehouse.error": "\(error)"])
            throw error
        }
    }
}

extension Duration {
    fileprivate var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
