import Crypto

/// Gatehouse's own strict JWT codec: HS256 only, a closed set of header fields and claims.
///
/// Verification happens in two steps so that the key can be looked up (possibly asynchronously)
/// between them: ``parse(_:)`` checks the token's shape and header without touching any key, and
/// ``verify(_:with:now:)`` checks the MAC in constant time and then the claims. Everything a token can
/// get wrong is reported as ``AccountError/Code/tokenVerificationFailed`` with a message that names the
/// problem but never quotes the token.
public struct AuthTokenCodec: Sendable {
    /// Tokens longer than this are refused before any decoding.
    public var maximumTokenLength: Int
    /// How far in the future `iat` may lie (clock skew between servers), in seconds.
    public var allowedClockSkew: Int64

    public init(maximumTokenLength: Int = 4096, allowedClockSkew: Int64 = 60) {
        self.maximumTokenLength = maximumTokenLength
        self.allowedClockSkew = allowedClockSkew
    }

    /// A token whose shape and header are valid, not yet authenticated.
    public struct ParsedToken: Sendable {
        /// The key id named in the header.
        public let kid: String
        let bytes: [UInt8]
        let signedLength: Int
        let signature: [UInt8]
        let payloadRange: Range<Int>
    }

    // MARK: Signing

    /// Signs `claims` with `key` and returns the compact token.
    public func sign(_ claims: AuthTokenClaims, with key: SigningKey) -> String {
        var payload = [UInt8]()
        payload.reserveCapacity(200)
        payload.append(contentsOf: #"{"sid":"#.utf8)
        JSONStringLiteral.append(claims.sessionId, to: &payload)
        payload.append(contentsOf: #","sub":"#.utf8)
        JSONStringLiteral.append(claims.accountId, to: &payload)
        payload.append(contentsOf: #","iat":\#(claims.issuedAt),"exp":\#(claims.expiresAt)"#.utf8)
        if let notBefore = claims.notBefore {
            payload.append(contentsOf: #","nbf":\#(notBefore)"#.utf8)
        }
        payload.append(contentsOf: #","rnd":""#.utf8)
        payload.append(contentsOf: Base64URL.encode(claims.secret).utf8)
        payload.append(UInt8(ascii: "\""))
        if let userAgentHash = claims.userAgentHash {
            payload.append(contentsOf: #","uah":"#.utf8)
            JSONStringLiteral.append(userAgentHash, to: &payload)
        }
        payload.append(UInt8(ascii: "}"))

        var token = key.encodedHeader
        token.reserveCapacity(token.count + payload.count * 4 / 3 + 48)
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: Base64URL.encode(payload).utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: token, using: key.key)
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: Base64URL.encode(Array(mac)).utf8)
        return String(decoding: token, as: UTF8.self)
    }

    // MARK: Verification

    /// Checks the token's shape and header. No key is used and no MAC is computed.
    public func parse(_ token: String) throws(AccountError) -> ParsedToken {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else { throw Self.failure("the token is empty") }
        guard bytes.count <= maximumTokenLength else { throw Self.failure("the token is too long") }

        var dots: [Int] = []
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: ".") {
            dots.append(index)
            if dots.count > 2 { throw Self.failure("the token does not have three parts") }
        }
        guard dots.count == 2 else { throw Self.failure("the token does not have three parts") }
        let headerRange = 0..<dots[0]
        let payloadRange = (dots[0] + 1)..<dots[1]
        let signatureRange = (dots[1] + 1)..<bytes.count
        guard !headerRange.isEmpty, !payloadRange.isEmpty, !signatureRange.isEmpty else {
            throw Self.failure("a part of the token is empty")
        }
        guard headerRange.count <= 512 else { throw Self.failure("the token header is too long") }

        guard let headerBytes = Base64URL.decode(bytes[headerRange]),
              let header = FlatJSONObject(parsing: headerBytes)
        else { throw Self.failure("the token header is not valid") }
        for member in header.members where !["alg", "typ", "kid"].contains(member.key) {
            throw Self.failure("the token header has an unsupported field")
        }
        guard header.string("alg") == "HS256" else { throw Self.failure("the token algorithm is not accepted") }
        if header["typ"] != nil, header.string("typ") != "JWT" { throw Self.failure("the token type is not JWT") }
        guard let kid = header.string("kid"), SigningKey.isValidKeyID(kid) else {
            throw Self.failure("the token key id is missing or malformed")
        }
        guard let signature = Base64URL.decode(bytes[signatureRange]), signature.count == SHA256.byteCount else {
            throw Self.failure("the token signature is malformed")
        }
        return ParsedToken(kid: kid, bytes: bytes, signedLength: dots[1], signature: signature, payloadRange: payloadRange)
    }

    /// Authenticates a parsed token with `key` (constant-time MAC comparison), then checks its claims
    /// against `now` (Unix seconds).
    /// `ignoringExpiry` is for logout, which must be able to end a session whose token has expired.
    public func verify(_ token: ParsedToken, with key: SigningKey, now: Int64, ignoringExpiry: Bool = false) throws(AccountError) -> VerifiedAuthToken {
        guard key.kid == token.kid else { throw Self.failure("the token was signed with another key") }
        let signed = token.bytes[0..<token.signedLength]
        guard HMAC<SHA256>.isValidAuthenticationCode(token.signature, authenticating: signed, using: key.key) else {
            throw Self.failure("the token signature does not match")
        }
        guard let payloadBytes = Base64URL.decode(token.bytes[token.payloadRange]),
              let payload = FlatJSONObject(parsing: payloadBytes)
        else { throw Self.failure("the token payload is not valid") }
        for member in payload.members where !["sid", "sub", "iat", "exp", "nbf", "rnd", "uah"].contains(member.key) {
            throw Self.failure("the token payload has an unsupported claim")
        }
        guard let sessionId = payload.string("sid"), !sessionId.isEmpty, sessionId.utf8.count <= 64,
              let accountId = payload.string("sub"), !accountId.isEmpty, accountId.utf8.count <= 64,
              let issuedAt = payload.integer("iat"),
              let expiresAt = payload.integer("exp"),
              let encodedSecret = payload.string("rnd"),
              let secret = Base64URL.decode(encodedSecret), secret.count == AuthTokenClaims.secretByteCount
        else { throw Self.failure("the token claims are missing or of the wrong type") }
        let notBefore = payload["nbf"]
        if notBefore != nil, payload.integer("nbf") == nil { throw Self.failure("the token claims are missing or of the wrong type") }
        let userAgentHash = payload["uah"]
        if userAgentHash != nil, payload.string("uah") == nil { throw Self.failure("the token claims are missing or of the wrong type") }

        guard ignoringExpiry || now < expiresAt else { throw Self.failure("the token has expired") }
        if let notBefore = payload.integer("nbf"), notBefore > now { throw Self.failure("the token is not valid yet") }
        guard issuedAt <= now + allowedClockSkew else { throw Self.failure("the token was issued in the future") }

        let claims = AuthTokenClaims(
            sessionId: sessionId, accountId: accountId, issuedAt: issuedAt, expiresAt: expiresAt,
            notBefore: payload.integer("nbf"), secret: secret, userAgentHash: payload.string("uah"))
        return VerifiedAuthToken(claims: claims, kid: key.kid)
    }

    /// Keyed hash of a user agent for the `uah` claim (128 bits, base64url).
    public func userAgentHash(_ userAgent: String, key: SigningKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(userAgent.utf8), using: key.userAgentKey)
        return Base64URL.encode(Array(mac).prefix(16))
    }

    private static func failure(_ reason: String) -> AccountError {
        AccountError(.tokenVerificationFailed, "Token verification failed: \(reason).")
    }
}
