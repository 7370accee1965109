import Logging

/// Configuration of ``Sessions``. Every field has a default; supply the signing secret through
/// ``getTokenSecret`` (Powership's single secret) or a ``keyRing``.
public struct SessionsOptions: Sendable {
    /// Lifetime of each token (`exp - iat`). Default 7 days, as in Powership.
    public var tokenDuration: Duration = .seconds(7 * 86_400)
    /// Powership's way to supply the HMAC secret (its UTF-8 bytes), per request. Used when
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
    /// Whether each token is bound to the user agent it was issued to, by a keyed hash (on by default,
    /// as in Powership).
    public var bindUserAgent = true
    /// How often `lastUsedAt` is written for requests that renew nothing.
    public var activityResolution: Duration = .seconds(60)
    /// The source of "now"; tests inject a manual clock.
    public var clock: any WallClock = SystemWallClock()
    /// Where token secrets and identifiers come from: the system CSPRNG.
    public var random: any RandomSource = SystemRandomSource()
    /// The token codec (length limit, allowed clock skew).
    public var codec = AuthTokenCodec()
    /// Ed25519 access tokens for other services; `nil` (the default) issues none. They are signed with
    /// keys the ``keyRing`` derives, so they need one.
    public var accessTokens: AccessTokenOptions? = nil
    /// How security events are recorded: every login, revocation and theft is an audit event, written
    /// with the change; the log also says where they are announced (webhook endpoints; none by default).
    public var auditLog = AuditLog()
    /// Where the session layer logs when a call is given no logger of its own. Its handler is the
    /// process's (`LoggingSystem`); Gatehouse never installs one.
    public var logger = Logger(label: "gatehouse.sessions")

    public init() {}

    /// Options with a single secret supplier, as in Powership.
    public init(getTokenSecret: @escaping @Sendable (SessionRequest) async throws -> String) {
        self.getTokenSecret = getTokenSecret
    }

    /// Options with a key ring.
    public init(keyRing: KeyRing) {
        self.keyRing = keyRing
    }

    /// Sets ``tokenDuration`` from a Powership duration string (`"7d"`, `"12h"`, `"30s"`);
    /// an unparseable or non-positive one throws ``AccountError/Code/invalidConfiguration`` here,
    /// not at the first login.
    public mutating func setTokenDuration(_ text: String) throws(AccountError) {
        let duration = try DurationParser.parse(text)
        guard duration > .zero else { throw AccountError.invalidConfiguration(.duration) }
        tokenDuration = duration
    }
}
