import struct Foundation.Date

/// An access token just issued.
public struct IssuedAccessToken: Sendable, Equatable {
    /// The compact JWT.
    public var token: String
    /// What it says.
    public var claims: AccessTokenClaims
    /// When it stops being valid.
    public var expiresAt: Date
}

extension Sessions {
    /// Issues an Ed25519 access token for the session `authentication` proved, meant for `audience`
    /// (the issuer itself when `nil`). The session and its token are left as they are.
    ///
    /// Access tokens are for other services, which check them with the JWKS alone: ending the session
    /// does not reach them, so they stay valid until they expire (``AccessTokenOptions/lifetime``).
    ///
    /// - Throws: ``AccountError/Code/invalidRequest`` (``AccountError/Detail/audience``) for a malformed
    ///   audience; ``AccountError/Code/invalidConfiguration`` without ``SessionsOptions/accessTokens``
    ///   or a ``SessionsOptions/keyRing``.
    public func issueAccessToken(for authentication: Authentication, audience: String? = nil) throws(AccountError) -> IssuedAccessToken {
        guard let settings = options.accessTokens, let ring = options.keyRing else {
            throw AccountError.invalidConfiguration(.accessTokens)
        }
        if let audience, !AccessTokenClaims.isValidAudience(audience) { throw AccountError.invalidRequest(.audience) }
        let issuedAt = unixSeconds(options.clock.now())
        let expiresAt = issuedAt + Int64(settings.lifetime.components.seconds)
        let claims = AccessTokenClaims(
            issuer: settings.issuer,
            accountID: authentication.accountID,
            sessionID: authentication.sessionID,
            audience: audience ?? settings.issuer,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            tokenID: Base64URL.encode(options.random.bytes(16))
        )
        let token = settings.codec.sign(claims, with: ring.signingKey.accessTokenKey)
        return IssuedAccessToken(token: token, claims: claims, expiresAt: Date(timeIntervalSince1970: Double(expiresAt)))
    }

    /// The access-token keys to publish now, as ``KeyRing/publishedKeys(at:)`` says; empty without a
    /// ``SessionsOptions/keyRing``.
    public func accessTokenKeys() -> [AccessTokenPublicKey] {
        options.keyRing?.publishedKeys(at: options.clock.now()) ?? []
    }
}
