import Crypto

/// The strict codec of access tokens: compact JWTs signed with Ed25519 (`alg: EdDSA`), a closed set of
/// header fields and claims.
///
/// As with ``AuthTokenCodec``, verification is two steps so that the key can be looked up (perhaps by
/// fetching a JWKS) in between: ``parse(_:)`` checks the shape and header and names the key;
/// ``verify(_:with:expecting:now:)`` checks the signature, then the claims. Every failure is
/// ``AccountError/Code/tokenVerificationFailed`` with a detail naming the check, never the token.
public struct AccessTokenCodec: Sendable {
    /// Tokens longer than this are refused before any decoding.
    public var maximumTokenLength: Int

    public init(maximumTokenLength: Int = 4096) {
        self.maximumTokenLength = maximumTokenLength
    }

    /// An access token whose shape and header are valid, not yet authenticated.
    public struct ParsedToken: Sendable {
        /// The key id named in the header.
        public let kid: String
        let token: String
        let parts: CompactJWS
        let signature: [UInt8]
    }

    /// What a service expects of the tokens it accepts.
    public struct Expectations: Sendable, Equatable {
        /// The `iss` every token must carry: the issuer's URL.
        public var issuer: String
        /// The `aud` every token must carry: this service's name, as clients ask for it in
        /// `POST /v1/token`. A token for another service is refused. Tokens asked for without an
        /// audience carry the issuer as their audience.
        public var audience: String
        /// How far the clocks of the issuer and the service may disagree, in seconds: an expired token
        /// is accepted this long, a token issued or valid this far in the future too.
        public var leeway: Int64

        public init(issuer: String, audience: String, leeway: Int64 = 30) {
            self.issuer = issuer
            self.audience = audience
            self.leeway = max(0, leeway)
        }
    }

    // MARK: Signing

    /// Signs `claims` with `key` and returns the compact token.
    public func sign(_ claims: AccessTokenClaims, with key: AccessTokenSigningKey) -> String {
        var payload = [UInt8]()
        payload.reserveCapacity(256)
        payload.append(contentsOf: #"{"iss":"#.utf8)
        JSONStringLiteral.append(claims.issuer, to: &payload)
        payload.append(contentsOf: #","sub":"#.utf8)
        JSONStringLiteral.append(claims.accountID, to: &payload)
        payload.append(contentsOf: #","sid":"#.utf8)
        JSONStringLiteral.append(claims.sessionID, to: &payload)
        payload.append(contentsOf: #","aud":"#.utf8)
        JSONStringLiteral.append(claims.audience, to: &payload)
        payload.append(contentsOf: #","iat":"#.utf8)
        CompactJWS.appendDecimal(claims.issuedAt, to: &payload)
        payload.append(contentsOf: #","exp":"#.utf8)
        CompactJWS.appendDecimal(claims.expiresAt, to: &payload)
        if let notBefore = claims.notBefore {
            payload.append(contentsOf: #","nbf":"#.utf8)
            CompactJWS.appendDecimal(notBefore, to: &payload)
        }
        payload.append(contentsOf: #","jti":"#.utf8)
        JSONStringLiteral.append(claims.tokenID, to: &payload)
        payload.append(UInt8(ascii: "}"))

        var token = key.encodedHeader
        token.append(UInt8(ascii: "."))
        payload.withUnsafeBytes { Base64URL.append($0, to: &token) }
        // Ed25519 signing cannot fail for a valid key; were it to, the token would carry an empty
        // signature, which every verifier refuses.
        let signature = (try? key.privateKey.signature(for: token)).map { Array($0) } ?? []
        token.append(UInt8(ascii: "."))
        signature.withUnsafeBytes { Base64URL.append($0, to: &token) }
        return String(decoding: token, as: UTF8.self)
    }

    // MARK: Verification

    /// Checks the token's shape and header (`alg` exactly `EdDSA`, a well-formed `kid`, nothing else).
    /// No key is used.
    public func parse(_ token: String) throws(AccountError) -> ParsedToken {
        var contiguous = token
        let result: Result<ParsedToken, AccountError> = contiguous.withUTF8 { bytes in
            guard let parts = CompactJWS(bytes, maximumLength: maximumTokenLength) else {
                return .failure(AccountError.tokenVerificationFailed(.tokenMalformed))
            }
            guard let kid = CompactJWS.keyID(in: UnsafeBufferPointer(rebasing: bytes[parts.header]), algorithm: "EdDSA") else {
                return .failure(AccountError.tokenVerificationFailed(.tokenHeader))
            }
            guard let signature = Base64URL.decode(UnsafeBufferPointer(rebasing: bytes[parts.signature])), signature.count == 64 else {
                return .failure(AccountError.tokenVerificationFailed(.tokenMalformed))
            }
            return .success(ParsedToken(kid: kid, token: token, parts: parts, signature: signature))
        }
        return try result.get()
    }

    /// Checks the signature with `key`, then the claims against `expectations` and `now` (Unix seconds).
    public func verify(
        _ token: ParsedToken,
        with key: AccessTokenPublicKey,
        expecting expectations: Expectations,
        now: Int64
    ) throws(AccountError)
        -> AccessTokenClaims
    {
        guard key.kid == token.kid else { throw AccountError.tokenVerificationFailed(.unknownKey) }
        var contiguous = token.token
        let result: Result<AccessTokenClaims, AccountError> = contiguous.withUTF8 { bytes in
            let signed = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[0..<token.parts.signedLength]))
            guard key.key.isValidSignature(token.signature, for: signed) else {
                return .failure(AccountError.tokenVerificationFailed(.tokenSignature))
            }
            return CompactJWS.withDecodedObject(UnsafeBufferPointer(rebasing: bytes[token.parts.payload])) { payload in
                guard let payload, let claims = Self.claims(in: payload) else {
                    return .failure(AccountError.tokenVerificationFailed(.tokenClaims))
                }
                return Self.check(claims, against: expectations, now: now)
            }
        }
        return try result.get()
    }

    /// The claims of a payload with exactly the members Gatehouse writes, each of the right type.
    private static func claims(in payload: FlatJSONObject) -> AccessTokenClaims? {
        var issuer: String?
        var accountID: String?
        var sessionID: String?
        var audience: String?
        var issuedAt: Int64?
        var expiresAt: Int64?
        var notBefore: Int64?
        var tokenID: String?
        for member in payload.members {
            switch (member.key, member.value) {
            case ("iss", .string(let value)): issuer = value
            case ("sub", .string(let value)): accountID = value
            case ("sid", .string(let value)): sessionID = value
            case ("aud", .string(let value)): audience = value
            case ("iat", .integer(let value)): issuedAt = value
            case ("exp", .integer(let value)): expiresAt = value
            case ("nbf", .integer(let value)): notBefore = value
            case ("jti", .string(let value)): tokenID = value
            default: return nil
            }
        }
        guard let issuer, !issuer.isEmpty,
            let accountID, (1...64).contains(accountID.utf8.count),
            let sessionID, (1...64).contains(sessionID.utf8.count),
            let audience, AccessTokenClaims.isValidAudience(audience),
            let issuedAt, let expiresAt, issuedAt < expiresAt,
            let tokenID, (1...64).contains(tokenID.utf8.count)
        else { return nil }
        return AccessTokenClaims(
            issuer: issuer,
            accountID: accountID,
            sessionID: sessionID,
            audience: audience,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            notBefore: notBefore,
            tokenID: tokenID
        )
    }

    private static func check(_ claims: AccessTokenClaims, against expectations: Expectations, now: Int64) -> Result<AccessTokenClaims, AccountError>
    {
        guard claims.issuer == expectations.issuer else { return .failure(AccountError.tokenVerificationFailed(.tokenIssuer)) }
        guard claims.audience == expectations.audience else { return .failure(AccountError.tokenVerificationFailed(.tokenAudience)) }
        let leeway = expectations.leeway
        guard now < claims.expiresAt.addingReportingOverflow(leeway).partialValue else {
            return .failure(AccountError.tokenVerificationFailed(.tokenExpired))
        }
        let horizon = now.addingReportingOverflow(leeway).partialValue
        if let notBefore = claims.notBefore, notBefore > horizon { return .failure(AccountError.tokenVerificationFailed(.tokenNotYetValid)) }
        guard claims.issuedAt <= horizon else { return .failure(AccountError.tokenVerificationFailed(.tokenNotYetValid)) }
        return .success(claims)
    }
}
