import Gatehouse
import Logging
import ServiceLifecycle

/// Re-reads the keys kept in the database every ``interval`` and applies what changed to a server's
/// ``KeyRing``: a key rotated by `gatehouse keys rotate` (or by another server) is verified with at
/// once and signed with after the activation delay; a retired key stops verifying. A failed read is
/// logged and the ring stays as it was.
public struct KeyRingRefresher: Service, CustomStringConvertible {
    /// Time between two reads.
    public let interval: Duration
    private let ring: KeyRing
    private let store: any SigningKeyStore
    private let activationDelay: Duration
    private let accessTokenLifetime: Duration
    private let clock: any WallClock
    private let logger: Logger

    public init(
        ring: KeyRing,
        store: any SigningKeyStore,
        interval: Duration,
        activationDelay: Duration,
        accessTokenLifetime: Duration = AccessTokenOptions.maximumLifetime,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.accessTokenLifetime = accessTokenLifetime
        self.ring = ring
        self.store = store
        self.interval = max(interval, .milliseconds(1))
        self.activationDelay = activationDelay
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await repeatUntilCancelled(
                every: interval,
                logger: logger,
                failureMessage: "could not refresh the signing keys; keeping the current ones"
            ) {
                try await refreshOnce()
            }
        }
    }

    /// Reads the stored keys once and applies them; returns whether the ring changed.
    @discardableResult
    public func refreshOnce() async throws -> Bool {
        let stored = try await store.signingKeys()
        let before = ring.signingKey.kid
        let changed = try KeyBootstrap.synchronize(
            ring,
            with: stored,
            now: clock.now(),
            activationDelay: activationDelay,
            accessTokenLifetime: accessTokenLifetime
        )
        if changed {
            logger.notice(
                "signing keys updated from the database",
                metadata: [
                    "gatehouse.kid": "\(ring.signingKey.kid)", "gatehouse.previous_kid": "\(before)", "gatehouse.keys": "\(ring.keyIDs.count)",
                ]
            )
        }
        return changed
    }

    public var description: String { "KeyRingRefresher(every \(interval))" }
}
