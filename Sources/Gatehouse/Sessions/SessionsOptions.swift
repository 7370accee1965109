import Logging

/// When a presented, current token is replaced by a new one.
public enum RenewalPolicy: Sendable, Equatable {
    /// Every authenticated request gets a new token (the original's behaviour; the default).
    case everyRequest
    /// A token is renewed once it is older than the interval; younger tokens are accepted as they are.
    case olderThan(Duration)
}

/// Configuration of ``Sessions``. Every field has a default; supply the signing secret through
/// ``getTokenSecret`` (the original's single secret) or a ``keyRing``.
public struct SessionsOptions: Sendable {
    /// Lifetime of each token (`exp - iat`). Default 7 days, as the original.
    public var tokenDuration: Duration = .seconds(7 * 86_400)
    /// The original's way to supply the HMAC secret (its UTF-8 bytes), per request. Used when
    /// ``keyRing`` is `nil`; the key id written into tokens is ``SigningKey/defaultKeyID``.
    public var getTokenSecret: (@Sendable (SessionRequest) async throws -> String)?
    /// Signing and verification keys; takes precedence over ``getTokenSecret``.
    public var keyRing: KeyRing?
    /// When current tokens are renewed.
    public var renewal: RenewalPolicy = .everyRequest
    /// How long a superseded token is still accepted (without renewal), so parallel requests that
    /// carried it do not fail. Default 30 s.
    public var gracePeriod: Duration = .seconds(30)
    /// A session unused for this long is over. Default 7 days; `nil` for none.
    public var idleTimeout: Duration? = .seconds(7 * 86_400)
    /// A session is over this long after login, however active. Default 30 days.
    public var absoluteLifetime: Duration = .seconds(30 * 86_400)
    /// Whether each token is bound to the user agent it was issued to (as in the original).
    public var bindUserAgent = true
    /// How often `lastUsedAt` is written for requests that renew nothing.
    public var activityResolution: Duration = .seconds(60)
    public var clock: any WallClock = SystemWallClock()
    public var random: any RandomSource = SystemRandomSource()
    public var codec = AuthTokenCodec()
    public var logger = Logger(label: "gatehouse.sessions")

    public init() {}

    /// Options with the original's single secret supplier.
    public init(getTokenSecret: @escaping @Sendable (SessionRequest) async throws -> String) {
        self.getTokenSecret = getTokenSecret
    }

    /// Options with a key ring.
    public init(keyRing: KeyRing) {
        self.keyRing = keyRing
    }

    /// Sets ``tokenDuration`` from a duration string of the original (`"7d"`, `"12h"`, `"30s"`);
    /// an unparseable or non-positive one throws ``AccountError/Code/invalidConfiguration`` here,
    /// not at the first login.
    public mutating func setTokenDuration(_ text: String) throws(AccountError) {
        let duration = try DurationParser.parse(text)
        guard duration > .zero else { throw AccountError(.invalidConfiguration, "the token duration must be positive") }
        tokenDuration = duration
    }
}
