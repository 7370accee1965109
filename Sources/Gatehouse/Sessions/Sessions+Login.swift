import Logging

import struct Foundation.Date

extension Sessions {
    /// Creates a session for an account whose credentials the caller has checked (a login) and returns
    /// its first token.
    ///
    /// The token is signed before the session is written, so a signing failure leaves no session behind.
    /// Throws ``AccountError/Code/userDeactivated`` for a deactivated account. `methods` are the proofs
    /// the login checked, remembered with the session for step-up (``SessionRecord/authenticationMethods``);
    /// `loginDetails` go to the `login.succeeded` audit event (how the person logged in, say).
    public func startSession(
        for account: Account,
        client: ConnectionInfo,
        authenticatedBy methods: [AuthenticationMethod] = [.password],
        loginDetails: [String: String] = [:],
        logger: Logger? = nil
    ) async throws -> Authentication {
        try await unwrappingSupplierFailure {
            try await startSession(
                for: account,
                client: client,
                keys: .client(client, token: nil),
                methods: methods,
                loginDetails: loginDetails,
                logger: logger ?? options.logger
            )
        }
    }

    func startSession(
        for account: Account,
        client: ConnectionInfo,
        keys: KeySource,
        methods: [AuthenticationMethod] = [.password],
        loginDetails: [String: String] = [:],
        logger: Logger
    ) async throws -> Authentication {
        guard !account.deactivated else { throw AccountError.userDeactivated }
        let now = options.clock.now()
        let secret = options.random.bytes(AuthTokenClaims.secretByteCount)
        let record = SessionRecord(
            id: Identifiers.ulid(at: now, random: options.random),
            accountID: account.accountID,
            currentHash: SecretDigest.sha256(secret),
            createdAt: now,
            lastUsedAt: now,
            expiresAt: now.addingTimeInterval(options.absoluteLifetime.seconds),
            ip: client.ip,
            userAgent: client.userAgent,
            authenticationMethods: methods
        )
        // Sign before writing: a signing failure must not leave a session behind.
        let key = try await signingKey(keys)
        let issued = issueToken(for: record, secret: secret, key: key, client: client, now: now)
        do {
            let audit = options.auditLog.trail(
                .loginSucceeded,
                accountID: account.accountID,
                sessionID: record.id,
                client: client,
                details: loginDetails,
                at: now,
                random: options.random
            )
            try await store.insertSession(record, requiringAccountEpoch: account.sessionEpoch, audit: audit)
        } catch let error as AccountError where error.code == .conflict && error.detail == .accountChanged {
            // Deactivated, password changed or every session ended since the account was read.
            throw AccountError.authenticationFailed(.accountChanged)
        } catch let error as AccountError
            where error.code == .storeUnavailable || error.code == .userNotFound || error.code == .userDeactivated
        {
            throw error
        } catch {
            logger.error("session could not be created", metadata: ["gatehouse.account_id": "\(account.accountID)", "gatehouse.error": "\(error)"])
            throw AccountError.authenticationFailed()
        }
        SessionMetrics.sessionStarted()
        logger.info("session created", metadata: ["gatehouse.session_id": "\(record.id)", "gatehouse.account_id": "\(account.accountID)"])
        return Authentication(
            account: account,
            session: SessionDocument(record),
            token: issued.token,
            tokenExpiresAt: issued.expiresAt,
            isRenewed: true
        )
    }

    /// Signs a token for `session` with `secret`. Its `exp` is not capped at the session's end: past
    /// it the session check answers `SessionExpired`, which tells the client more than an expired token.
    func issueToken(
        for session: SessionRecord,
        secret: [UInt8],
        key: SigningKey,
        client: ConnectionInfo,
        now: Date,
        userAgentBinding: UserAgentBinding? = nil
    ) -> (token: String, expiresAt: Date) {
        let issuedAt = unixSeconds(now)
        let expiresAt = issuedAt + Int64(options.tokenDuration.seconds)
        var userAgentHash: String?
        if options.bindUserAgent {
            if let userAgentBinding, userAgentBinding.kid == key.kid {
                userAgentHash = userAgentBinding.hash
            } else {
                userAgentHash = options.codec.userAgentHash(client.userAgent, key: key)
            }
        }
        let claims = AuthTokenClaims(
            sessionID: session.id,
            accountID: session.accountID,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            secret: secret,
            userAgentHash: userAgentHash
        )
        return (options.codec.sign(claims, with: key), Date(timeIntervalSince1970: Double(expiresAt)))
    }
}
