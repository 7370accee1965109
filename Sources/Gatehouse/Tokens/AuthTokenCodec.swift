import Crypto

/// Gatehouse's own strict JWT codec: HS256 only, a closed set of header fields and claims.
///
/// Verification happens in two steps so that the key can be looked up (possibly asynchronously)
/// between them: ``parse(_:)`` checks the token's shape and header without touching any key, and
/// ``verify(_:with:now:ignoringExpiry:)`` checks the MAC in constant time and then the claims. Everything a token can
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
        /// The token itself: verification reads its bytes in place rather than a copy.
        let token: String
        let signedLength: Int
        let signature: MACBytes
        let payloadRange: Range<Int>
    }

    /// The 32 bytes of an HS256 signature, held inline so that a parsed token allocates nothing for it.
    struct MACBytes: Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try Swift.withUnsafeBytes(of: words, body)
        }
    }

    // MARK: Signing

    /// Signs `claims` with `key` and returns the compact token.
    public func sign(_ claims: AuthTokenClaims, with key: SigningKey) -> String {
        var payload = [UInt8]()
        payload.reserveCapacity(224)
        payload.append(contentsOf: #"{"sid":"#.utf8)
        JSONStringLiteral.append(claims.sessionID, to: &payload)
        payload.append(contentsOf: #","sub":"#.utf8)
        JSONStringLiteral.append(claims.accountID, to: &payload)
        payload.append(contentsOf: #","iat":"#.utf8)
        CompactJWS.appendDecimal(claims.issuedAt, to: &payload)
        payload.append(contentsOf: #","exp":"#.utf8)
        CompactJWS.appendDecimal(claims.expiresAt, to: &payload)
        if let notBefore = claims.notBefore {
            payload.append(contentsOf: #","nbf":"#.utf8)
            CompactJWS.appendDecimal(notBefore, to: &payload)
        }
        payload.append(contentsOf: #","rnd":""#.utf8)
        claims.secret.withUnsafeBytes { Base64URL.append($0, to: &payload) }
        payload.append(UInt8(ascii: "\""))
        if let userAgentHash = claims.userAgentHash {
            payload.append(contentsOf: #","uah":"#.utf8)
            JSONStringLiteral.append(userAgentHash, to: &payload)
        }
        payload.append(UInt8(ascii: "}"))

        var token = [UInt8]()
        token.reserveCapacity(key.encodedHeader.count + Base64URL.encodedCount(payload.count) + Base64URL.encodedCount(SHA256.byteCount) + 2)
        token.append(contentsOf: key.encodedHeader)
        token.append(UInt8(ascii: "."))
        payload.withUnsafeBytes { Base64URL.append($0, to: &token) }
        var authenticator = key.tokenMAC
        token.withUnsafeBytes { authenticator.update(data: $0) }
        let mac = authenticator.finalize()
        token.append(UInt8(ascii: "."))
        mac.withUnsafeBytes { Base64URL.append($0, to: &token) }
        return String(decoding: token, as: UTF8.self)
    }

    // MARK: Verification

    /// Checks the token's shape and header. No key is used and no MAC is computed.
    public func parse(_ token: String) throws(AccountError) -> ParsedToken {
        var contiguous = token
        let result: Result<ParsedToken, AccountError> = contiguous.withUTF8 { bytes in
            parse(bytes, token: token)
        }
        return try result.get()
    }

    private func parse(_ bytes: UnsafeBufferPointer<UInt8>, token: String) -> Result<ParsedToken, AccountError> {
        guard let parts = CompactJWS(bytes, maximumLength: maximumTokenLength) else {
            return .failure(AccountError.tokenVerificationFailed(.tokenMalformed))
        }
        guard let kid = CompactJWS.keyID(in: UnsafeBufferPointer(rebasing: bytes[parts.header]), algorithm: "HS256") else {
            return .failure(AccountError.tokenVerificationFailed(.tokenHeader))
        }
        var signature = MACBytes()
        let signatureValid = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: SHA256.byteCount) { buffer -> Bool in
            guard Base64URL.decode(UnsafeBufferPointer(rebasing: bytes[parts.signature]), into: buffer) == SHA256.byteCount else { return false }
            withUnsafeMutableBytes(of: &signature.words) { $0.copyMemory(from: UnsafeRawBufferPointer(buffer)) }
            return true
        }
        guard signatureValid else { return .failure(AccountError.tokenVerificationFailed(.tokenMalformed)) }
        return .success(ParsedToken(kid: kid, token: token, signedLength: parts.signedLength, signature: signature, payloadRange: parts.payload))
    }

    /// Authenticates a parsed token with `key` (constant-time MAC comparison), then checks its claims
    /// against `now` (Unix seconds).
    /// `ignoringExpiry` is for logout, which must be able to end a session whose token has expired.
    public func verify(_ token: ParsedToken, with key: SigningKey, now: Int64, ignoringExpiry: Bool = false) throws(AccountError) -> VerifiedAuthToken
    {
        guard key.kid == token.kid else { throw AccountError.tokenVerificationFailed(.unknownKey) }
        var contiguous = token.token
        let result: Result<VerifiedAuthToken, AccountError> = contiguous.withUTF8 { bytes in
            // The signed prefix must be the same bytes `parse` looked at.
            guard bytes.count > token.signedLength, token.payloadRange.upperBound <= bytes.count else {
                return .failure(AccountError.tokenVerificationFailed(.tokenSignature))
            }
            var authenticator = key.tokenMAC
            authenticator.update(data: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[0..<token.signedLength])))
            let mac = authenticator.finalize()
            let matches = mac.withUnsafeBytes { computed in
                token.signature.withUnsafeBytes { presented in SecretDigest.constantTimeEquals(computed, presented) }
            }
            guard matches else { return .failure(AccountError.tokenVerificationFailed(.tokenSignature)) }
            return verifyClaims(UnsafeBufferPointer(rebasing: bytes[token.payloadRange]), kid: key.kid, now: now, ignoringExpiry: ignoringExpiry)
        }
        return try result.get()
    }

    private func verifyClaims(
        _ encoded: UnsafeBufferPointer<UInt8>,
        kid: String,
        now: Int64,
        ignoringExpiry: Bool
    ) -> Result<VerifiedAuthToken, AccountError> {
        CompactJWS.withDecodedObject(encoded) { payload in
            guard let payload else { return .failure(AccountError.tokenVerificationFailed(.tokenClaims)) }

            var sessionID: String?
            var accountID: String?
            var issuedAt: Int64?
            var expiresAt: Int64?
            var notBefore: Int64?
            var encodedSecret: String?
            var userAgentHash: String?
            var wrongType = false
            for member in payload.members {
                switch (member.key, member.value) {
                case ("sid", .string(let value)): sessionID = value
                case ("sub", .string(let value)): accountID = value
                case ("iat", .integer(let value)): issuedAt = value
                case ("exp", .integer(let value)): expiresAt = value
                case ("nbf", .integer(let value)): notBefore = value
                case ("rnd", .string(let value)): encodedSecret = value
                case ("uah", .string(let value)): userAgentHash = value
                case ("sid", _), ("sub", _), ("iat", _), ("exp", _), ("nbf", _), ("rnd", _), ("uah", _): wrongType = true
                default: return .failure(AccountError.tokenVerificationFailed(.tokenClaims))
                }
            }
            guard !wrongType,
                let sessionID, !sessionID.isEmpty, sessionID.utf8.count <= 64,
                let accountID, !accountID.isEmpty, accountID.utf8.count <= 64,
                let issuedAt, let expiresAt, let encodedSecret,
                let secret = Base64URL.decode(encodedSecret), secret.count == AuthTokenClaims.secretByteCount
            else { return .failure(AccountError.tokenVerificationFailed(.tokenClaims)) }

            guard ignoringExpiry || now < expiresAt else { return .failure(AccountError.tokenVerificationFailed(.tokenExpired)) }
            if let notBefore, notBefore > now { return .failure(AccountError.tokenVerificationFailed(.tokenNotYetValid)) }
            guard issuedAt <= now + allowedClockSkew else { return .failure(AccountError.tokenVerificationFailed(.tokenNotYetValid)) }

            let claims = AuthTokenClaims(
                sessionID: sessionID,
                accountID: accountID,
                issuedAt: issuedAt,
                expiresAt: expiresAt,
                notBefore: notBefore,
                secret: secret,
                userAgentHash: userAgentHash
            )
            return .success(VerifiedAuthToken(claims: claims, kid: kid))
        }
    }

    /// Keyed hash of a user agent for the `uah` claim (128 bits, base64url).
    public func userAgentHash(_ userAgent: String, key: SigningKey) -> String {
        key.userAgentHashes.hash(of: userAgent) { userAgent in
            var userAgent = userAgent
            var authenticator = key.userAgentMAC
            userAgent.withUTF8 { authenticator.update(data: UnsafeRawBufferPointer($0)) }
            let mac = authenticator.finalize()
            return mac.withUnsafeBytes { Base64URL.encode(UnsafeRawBufferPointer(rebasing: $0[0..<16])) }
        }
    }

}
