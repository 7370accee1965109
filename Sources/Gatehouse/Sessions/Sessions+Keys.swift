import struct Foundation.Date

extension Sessions {
    /// Where a per-request secret supplier's request comes from: the Powership layer hands over its
    /// own ``SessionRequest``; the native API makes one only when a supplier is configured.
    enum KeySource: Sendable {
        case request(SessionRequest)
        case client(ConnectionInfo, token: String?)

        var supplierRequest: SessionRequest {
            switch self {
            case .request(let request):
                request
            case .client(let client, let token):
                SessionRequest(authToken: token, requestIp: client.ip, userAgent: client.userAgent)
            }
        }
    }

    /// The key new tokens are signed with.
    func signingKey(_ source: KeySource) async throws -> SigningKey {
        if let ring = options.keyRing { return ring.signingKey }
        return try await keyFromSecretSupplier(source)
    }

    /// The key with id `kid`, or ``AccountError/Detail/unknownKey``.
    func verificationKey(kid: String, _ source: KeySource) async throws -> SigningKey {
        if let ring = options.keyRing {
            guard let key = ring.key(kid: kid) else { throw AccountError.tokenVerificationFailed(.unknownKey) }
            return key
        }
        guard kid == SigningKey.defaultKeyID else { throw AccountError.tokenVerificationFailed(.unknownKey) }
        return try await keyFromSecretSupplier(source)
    }

    /// Checks a token's signature and claims, with no store access; returns the key that verified it,
    /// which the user-agent check of a renewal needs again.
    func verifyTokenAndKey(_ token: String, _ source: KeySource, ignoringExpiry: Bool) async throws -> (token: VerifiedAuthToken, key: SigningKey) {
        let parsed = try options.codec.parse(token)
        let key = try await verificationKey(kid: parsed.kid, source)
        let verified = try options.codec.verify(parsed, with: key, now: unixSeconds(options.clock.now()), ignoringExpiry: ignoringExpiry)
        return (verified, key)
    }

    private func keyFromSecretSupplier(_ source: KeySource) async throws -> SigningKey {
        guard let supplier = secretSupplier.withLock({ $0 }) else { throw AccountError.invalidConfiguration(.keyRing) }
        let secret: String
        do {
            secret = try await supplier(source.supplierRequest)
        } catch {
            throw SecretSupplierFailure(underlying: error)
        }
        if let cached = derivedKey.withLock({ $0 }), cached.secret == secret { return cached.key }
        let key = try SigningKey(kid: SigningKey.defaultKeyID, secret: secret)
        derivedKey.withLock { $0 = (secret, key) }
        return key
    }
}

/// Runs `body`, rethrowing a secret supplier's own error as it was thrown.
func unwrappingSupplierFailure<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as SecretSupplierFailure {
        throw failure.underlying
    }
}
/// Whole Unix seconds, as tokens carry them.
package func unixSeconds(_ date: Date) -> Int64 {
    Int64(date.timeIntervalSince1970.rounded(.down))
}
