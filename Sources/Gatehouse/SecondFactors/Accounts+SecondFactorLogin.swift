import Logging

extension Accounts {
    /// Checks the password like ``logIn(username:password:client:logger:)`` and then, for an account
    /// whose second factor is on, starts no session: it answers a single-use challenge, valid for
    /// ``AccountsOptions/secondFactorChallengeLifetime``, that ``completeLogIn(challenge:proof:client:logger:)``
    /// turns into a session with a code. Other accounts get their session at once.
    public func beginLogIn(username: String, password: String, client: ConnectionInfo, logger: Logger? = nil) async throws -> LoginOutcome {
        let logger = logger ?? self.logger
        return try await countingLogin {
            let record = try await checkPassword(username: username, password: password, client: client, logger: logger)
            return try await recordingRefusal(of: record, client: client, logger: logger) {
                try checkLoginAllowed(record)
                guard try await hasSecondFactor(accountID: record.accountID) else {
                    return .authenticated(try await sessions.startSession(for: Account(record), client: client, logger: logger))
                }
                guard !record.deactivated else { throw AccountError.userDeactivated }
                let secret = Base64URL.encode(random.bytes(32))
                let issued = try await issue(
                    .secondFactorChallenge,
                    accountID: record.accountID,
                    createdFor: record.accountID,
                    reason: nil,
                    token: "\(record.accountID).\(secret)",
                    lifetime: options.secondFactorChallengeLifetime
                )
                logger.info("login waits for its second factor", metadata: ["gatehouse.account_id": "\(record.accountID)"])
                return .secondFactorRequired(
                    SecondFactorChallenge(challenge: issued.value, methods: [.totp, .recoveryCode], expiresAt: issued.record.expiresAt)
                )
            }
        }
    }

    /// Completes a login that ``beginLogIn(username:password:client:logger:)`` left waiting: checks the
    /// second factor (counted by the login throttle like a password) and starts the session, authenticated
    /// by the password and that factor. The challenge works once, and not after a password change.
    /// Throws ``AccountError/Code/secondFactorFailed`` — ``AccountError/Detail/challenge`` for an unknown,
    /// used or expired challenge, ``AccountError/Detail/totpCode`` or ``AccountError/Detail/recoveryCode``
    /// for a wrong proof, which leaves the challenge usable until it expires.
    public func completeLogIn(
        challenge: String,
        proof: SecondFactorProof,
        client: ConnectionInfo,
        logger: Logger? = nil
    ) async throws -> Authentication {
        let logger = logger ?? self.logger
        return try await countingLogin {
            guard challenge.utf8.count <= 200, let separator = challenge.firstIndex(of: ".") else {
                throw AccountError.secondFactorFailed(.challenge)
            }
            let now = clock.now()
            let hash = SecretDigest.sha256(challenge)
            let accountID = String(challenge[..<separator])
            let pending = try await store.tokens(accountID: accountID, kind: .secondFactorChallenge)
            guard pending.contains(where: { $0.usedAt == nil && $0.expiresAt > now && SecretDigest.constantTimeEquals($0.hash, hash) }),
                let record = try await store.account(id: accountID)
            else { throw AccountError.secondFactorFailed(.challenge) }

            let method = try await checkSecondFactor(proof, of: record, client: client, logger: logger)
            guard try await store.consumeToken(hash: hash, kind: .secondFactorChallenge, at: clock.now()) != nil else {
                throw AccountError.secondFactorFailed(.challenge)
            }
            return try await recordingRefusal(of: record, client: client, logger: logger) {
                try checkLoginAllowed(record)
                return try await sessions.startSession(
                    for: Account(record),
                    client: client,
                    authenticatedBy: [.password, method],
                    loginDetails: ["second_factor": method.rawValue],
                    logger: logger
                )
            }
        }
    }

    /// ``verifySecondFactor(_:accountID:client:)`` behind the login throttle: the attempt is reserved
    /// under the account's username before the proof is checked, and a refusal is a failed login.
    func checkSecondFactor(
        _ proof: SecondFactorProof,
        of record: AccountRecord,
        client: ConnectionInfo,
        logger: Logger
    ) async throws
        -> AuthenticationMethod
    {
        let attempt: LoginThrottle.Attempt?
        do {
            attempt = try await loginThrottle?.reserve(username: record.username, ip: client.ip)
        } catch let error as AccountError where error.code == .tooManyAttempts {
            logger.notice("second factor throttled", metadata: ["gatehouse.client_ip": "\(client.ip)"])
            await recordAudit(.loginThrottled, accountID: record.accountID, client: client, logger: logger)
            throw error
        }
        do {
            let method = try await verifySecondFactor(proof, accountID: record.accountID, client: client)
            if let attempt { try await loginThrottle?.succeeded(attempt) }
            return method
        } catch let error as AccountError where error.code == .secondFactorFailed {
            SessionMetrics.failure(error)
            logger.notice(
                "second factor refused",
                metadata: ["gatehouse.client_ip": "\(client.ip)", "gatehouse.account_id": "\(record.accountID)"]
            )
            await recordAudit(.loginFailed, accountID: record.accountID, client: client, details: ["reason": "second_factor"], logger: logger)
            throw error
        }
    }
}
