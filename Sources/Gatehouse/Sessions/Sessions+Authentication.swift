import Logging

import struct Foundation.Date

extension Sessions {
    /// Verifies `token` and renews it according to the rotation rules.
    ///
    /// Returns `nil` when there is no token (`nil` or empty): the request is anonymous. Otherwise returns
    /// who the caller is and the token it holds from now on — a new one when ``Authentication/isRenewed``
    /// — or throws an ``AccountError``: a token that does not verify, a session that ended, expired or
    /// whose account was deactivated, or a replayed superseded token (``AccountError/Code/tokenTheftDetected``,
    /// after which the session is revoked).
    ///
    /// - Parameters:
    ///   - token: The token the client presented.
    ///   - client: The client's address and user agent; the user agent must be the one the token was
    ///     issued to.
    ///   - forceRenewal: Renew even when the renewal policy would not (an explicit refresh).
    ///   - logger: Where rejections are logged (with the session id when the token names one); the
    ///     options' logger when `nil`. Pass the request's logger so that its request id is on each line.
    public func authenticate(
        token: String?,
        client: ConnectionInfo,
        forceRenewal: Bool = false,
        logger: Logger? = nil
    ) async throws -> Authentication? {
        guard let token, !token.isEmpty else { return nil }
        return try await unwrappingSupplierFailure {
            try await authenticate(
                token,
                client: client,
                forceRenewal: forceRenewal,
                keys: .client(client, token: token),
                logger: logger ?? options.logger
            )
        }
    }

    /// Checks a token's signature and claims without reading the store: who it claims to be, not whether
    /// its session still exists.
    public func verify(token: String, client: ConnectionInfo, ignoringExpiry: Bool = false) async throws -> VerifiedAuthToken {
        try await unwrappingSupplierFailure {
            try await verifyTokenAndKey(token, .client(client, token: token), ignoringExpiry: ignoringExpiry).token
        }
    }

    /// ``authenticate(token:client:forceRenewal:logger:)`` for a present token, with a secret
    /// supplier's failure still wrapped (the Powership layer handles it differently).
    func authenticate(_ token: String, client: ConnectionInfo, forceRenewal: Bool, keys: KeySource, logger: Logger) async throws -> Authentication {
        var sessionID: String?
        do {
            let (verified, key) = try await verifyTokenAndKey(token, keys, ignoringExpiry: false)
            sessionID = verified.claims.sessionID
            return try await renew(
                verified,
                verifiedWith: key,
                presentedToken: token,
                client: client,
                forceRenewal: forceRenewal,
                keys: keys,
                logger: logger
            )
        } catch let error as AccountError {
            SessionMetrics.failure(error)
            Self.logRejection(error, sessionID: sessionID, logger: logger)
            throw error
        } catch let failure as SecretSupplierFailure {
            throw failure
        } catch {
            SessionMetrics.failure(error)
            logger.error("authentication failed", metadata: ["gatehouse.error": "InternalError", "gatehouse.error_detail": "\(error)"])
            throw error
        }
    }

    /// Renews (or accepts) an already verified token against its stored session.
    func renew(
        _ verified: VerifiedAuthToken,
        verifiedWith knownKey: SigningKey?,
        presentedToken: String,
        client: ConnectionInfo,
        forceRenewal: Bool,
        keys: KeySource,
        logger: Logger
    ) async throws -> Authentication {
        let claims = verified.claims
        // The user agent's keyed hash under the verifying key; a renewal signed with the same key binds
        // the same value, so it is computed once.
        var userAgentBinding: UserAgentBinding?
        if options.bindUserAgent {
            let key: SigningKey
            if let knownKey, knownKey.kid == verified.kid {
                key = knownKey
            } else {
                key = try await verificationKey(kid: verified.kid, keys)
            }
            let expected = options.codec.userAgentHash(client.userAgent, key: key)
            guard let bound = claims.userAgentHash, SecretDigest.constantTimeEquals(bound, expected) else {
                throw AccountError.invalidSession(.userAgentChanged)
            }
            userAgentBinding = UserAgentBinding(kid: key.kid, hash: expected)
        }
        let presentedHash = SecretDigest.sha256(claims.secret)

        // A compare-and-swap that loses to a concurrent rotation is retried on a fresh read, where the
        // presented token is now "previous" and falls under the grace rule.
        for _ in 0..<4 {
            guard let (session, accountRecord) = try await store.sessionWithAccount(id: claims.sessionID) else {
                throw AccountError.sessionNotFound
            }
            guard session.accountID == claims.accountID else { throw AccountError.tokenVerificationFailed(.otherAccount) }
            guard let accountRecord else { throw AccountError.userNotFound }
            guard session.valid else { throw AccountError.invalidSession(.revoked) }
            guard !accountRecord.deactivated else { throw AccountError.userDeactivated }
            let now = options.clock.now()
            try checkLifetime(of: session, now: now)

            let decision = rules.decide(
                session: session,
                presentedHash: presentedHash,
                tokenIssuedAt: claims.issuedAt,
                now: now,
                forceRenewal: forceRenewal,
                client: client
            )
            switch decision {
            case .theft:
                try await revokeForTheft(session, client: client, now: now, logger: logger)
            case .accept(let touch):
                if !SecretDigest.constantTimeEquals(presentedHash, session.currentHash) { SessionMetrics.graceAcceptance() }
                var record = session
                if let touch, try await store.updateSessions([touch]).first == true {
                    record = session.applying(touch)
                }
                return Authentication(
                    account: Account(accountRecord),
                    session: SessionDocument(record),
                    token: presentedToken,
                    tokenExpiresAt: Date(timeIntervalSince1970: Double(claims.expiresAt)),
                    isRenewed: false
                )
            case .renew(let renewal):
                // Only a renewal draws a secret: an accepted or stolen token costs none.
                let secret = options.random.bytes(AuthTokenClaims.secretByteCount)
                let update = renewal.update(newHash: SecretDigest.sha256(secret))
                let key = try await signingKey(keys)
                let record = session.applying(update)
                let issued = issueToken(for: record, secret: secret, key: key, client: client, now: now, userAgentBinding: userAgentBinding)
                guard try await store.updateSessions([update]).first == true else { continue }
                SessionMetrics.rotation(replacingLostResponse: renewal.replacesLostResponse)
                return Authentication(
                    account: Account(accountRecord),
                    session: SessionDocument(record),
                    token: issued.token,
                    tokenExpiresAt: issued.expiresAt,
                    isRenewed: true
                )
            }
        }
        throw AccountError.invalidSession(.concurrentChange)
    }

    private func checkLifetime(of session: SessionRecord, now: Date) throws(AccountError) {
        guard now < session.expiresAt else { throw AccountError.sessionExpired(.lifetime) }
        if let idle = options.idleTimeout, now.timeIntervalSince(session.lastUsedAt) >= idle.seconds {
            throw AccountError.sessionExpired(.idle)
        }
    }

    private func revokeForTheft(_ session: SessionRecord, client: ConnectionInfo, now: Date, logger: Logger) async throws -> Never {
        let audit = options.auditLog.trail(
            .tokenTheftDetected,
            accountID: session.accountID,
            sessionID: session.id,
            actor: .system,
            client: client,
            at: now,
            random: options.random
        )
        let revoked = try await store.revokeSessions(
            .session(id: session.id, accountID: session.accountID),
            reason: .tokenTheft,
            at: now,
            audit: audit
        )
        SessionMetrics.theftDetected()
        SessionMetrics.revoked(revoked, reason: .tokenTheft)
        logger.warning(
            "superseded token replayed; session revoked",
            metadata: [
                "gatehouse.session_id": "\(session.id)", "gatehouse.account_id": "\(session.accountID)",
            ]
        )
        // What the hooks record names the client that replayed the token, as everything else recorded
        // for a request does, also when no request bound a context.
        _ = try await AuditContext.$current.withValue(AuditContext.current ?? AuditContext(client: client)) {
            try await onTokenTheft.dispatch(TokenTheftEvent(sessionID: session.id, accountID: session.accountID, detectedAt: now), context: client)
        }
        throw AccountError.tokenTheftDetected
    }

    /// One line per refused token: theft was logged where it was detected; a store failure is an
    /// error; anything else is a client presenting a token that no longer works.
    private static func logRejection(_ error: AccountError, sessionID: String?, logger: Logger) {
        guard error.code != .tokenTheftDetected else { return }
        var metadata: Logger.Metadata = ["gatehouse.error": "\(error.code)"]
        if let detail = error.detail { metadata["gatehouse.error_detail"] = "\(detail)" }
        if let sessionID { metadata["gatehouse.session_id"] = "\(sessionID)" }
        if error.code == .storeUnavailable {
            logger.error("authentication failed", metadata: metadata)
        } else {
            logger.info("token rejected", metadata: metadata)
        }
    }
}
