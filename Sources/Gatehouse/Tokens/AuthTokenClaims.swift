/// What an auth token says. The token is a compact JWT (HS256) whose payload holds exactly these claims.
public struct AuthTokenClaims: Sendable, Equatable {
    /// The session the token belongs to (`sid`).
    public var sessionID: String
    /// The account that owns the session (`sub`).
    public var accountID: String
    /// Issued at, Unix seconds (`iat`).
    public var issuedAt: Int64
    /// Expires at, Unix seconds (`exp`); the token is refused from this second on.
    public var expiresAt: Int64
    /// Not before, Unix seconds (`nbf`); Gatehouse does not write it but honours it.
    public var notBefore: Int64?
    /// The token's random secret (`rnd`, 32 bytes); the store keeps only its SHA-256.
    public var secret: [UInt8]
    /// Keyed hash of the user agent the token was issued to (`uah`), when user-agent binding is on.
    public var userAgentHash: String?

    public init(
        sessionID: String,
        accountID: String,
        issuedAt: Int64,
        expiresAt: Int64,
        notBefore: Int64? = nil,
        secret: [UInt8],
        userAgentHash: String? = nil
    ) {
        self.sessionID = sessionID
        self.accountID = accountID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.secret = secret
        self.userAgentHash = userAgentHash
    }

    /// Number of random bytes in a token secret (256 bits).
    public static let secretByteCount = 32
}
