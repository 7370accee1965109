/// What an access token says. The token is a compact JWT signed with Ed25519 (`alg: EdDSA`) whose
/// payload holds exactly these claims; any service holding the issuer's JWKS can check it.
public struct AccessTokenClaims: Sendable, Equatable, Hashable {
    /// Who issued the token (`iss`): the Gatehouse server's issuer URL.
    public var issuer: String
    /// The account the token speaks for (`sub`).
    public var accountID: String
    /// The session it was issued from (`sid`). Ending the session does not end the token: it stays
    /// valid until ``expiresAt``.
    public var sessionID: String
    /// The service the token is meant for (`aud`).
    public var audience: String
    /// Issued at, Unix seconds (`iat`).
    public var issuedAt: Int64
    /// Expires at, Unix seconds (`exp`).
    public var expiresAt: Int64
    /// Not before, Unix seconds (`nbf`); Gatehouse does not write it but honours it.
    public var notBefore: Int64?
    /// A unique id (`jti`), for a service that wants to refuse a token it has seen.
    public var tokenID: String

    public init(
        issuer: String,
        accountID: String,
        sessionID: String,
        audience: String,
        issuedAt: Int64,
        expiresAt: Int64,
        notBefore: Int64? = nil,
        tokenID: String
    ) {
        self.issuer = issuer
        self.accountID = accountID
        self.sessionID = sessionID
        self.audience = audience
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.tokenID = tokenID
    }

    /// Whether `text` can be an audience: 1 to 256 printable ASCII characters, no spaces.
    public static func isValidAudience(_ text: String) -> Bool {
        (1...256).contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
