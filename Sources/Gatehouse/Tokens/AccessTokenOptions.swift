/// How ``Sessions`` issues access tokens (``Sessions/issueAccessToken(for:audience:)``).
public struct AccessTokenOptions: Sendable, Equatable {
    /// The `iss` of every token: the URL services know this server by.
    public var issuer: String
    /// How long a token is valid. Default 5 minutes; 1 second to ``maximumLifetime``. Ending the
    /// session does not end its access tokens: this is how long a revocation takes to reach services
    /// that check tokens on their own.
    public var lifetime: Duration
    /// The token codec (length limit).
    public var codec: AccessTokenCodec

    /// The longest lifetime allowed: 1 hour.
    public static let maximumLifetime: Duration = .seconds(3_600)
    /// The default lifetime: 5 minutes.
    public static let defaultLifetime: Duration = .seconds(300)

    /// Throws ``AccountError/Code/invalidConfiguration`` for an empty issuer or a lifetime outside
    /// 1 second to 1 hour.
    public init(
        issuer: String,
        lifetime: Duration = AccessTokenOptions.defaultLifetime,
        codec: AccessTokenCodec = AccessTokenCodec()
    ) throws(AccountError) {
        guard !issuer.isEmpty, issuer.utf8.count <= 1024 else { throw AccountError.invalidConfiguration(.accessTokens) }
        guard lifetime >= .seconds(1), lifetime <= Self.maximumLifetime else { throw AccountError.invalidConfiguration(.accessTokenLifetime) }
        self.issuer = issuer
        self.lifetime = lifetime
        self.codec = codec
    }

    public static func == (lhs: AccessTokenOptions, rhs: AccessTokenOptions) -> Bool {
        lhs.issuer == rhs.issuer && lhs.lifetime == rhs.lifetime && lhs.codec.maximumTokenLength == rhs.codec.maximumTokenLength
    }
}
