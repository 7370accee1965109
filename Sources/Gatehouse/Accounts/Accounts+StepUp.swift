import Logging

extension Accounts {
    /// Checks that `session` proved who its holder is within ``AccountsOptions/reauthenticationWindow``,
    /// or throws ``AccountError/Code/reauthenticationRequired``: what a sensitive action asks before it
    /// runs (step-up). A session starts authenticated by its login; ``reauthenticate(session:password:secondFactor:client:logger:)``
    /// renews it.
    public func requireRecentAuthentication(_ session: SessionDocument) throws(AccountError) {
        let age = clock.now().timeIntervalSince(session.authenticatedAt)
        guard age <= options.reauthenticationWindow.seconds else { throw AccountError.reauthenticationRequired }
    }

    /// Renews the session's authentication with the account's password (checked and counted by the
    /// login throttle, like a login) — and, when the account's second factor is on, a code or a
    /// recovery code (``AccountError/Code/secondFactorRequired`` without one) — without a new session or
    /// token, and returns the session as it is now. A wrong password gives
    /// ``AccountError/Code/loginFailed``; a session that ended meanwhile, ``AccountError/Code/invalidSession``;
    /// an account without a password (created by an identity provider) cannot reauthenticate this way.
    public func reauthenticate(
        session: SessionDocument,
        password: String,
        secondFactor: SecondFactorProof? = nil,
        client: ConnectionInfo,
        logger: Logger? = nil
    ) async throws -> SessionDocument {
        let logger = logger ?? self.logger
        let account = try await requireAccount(session.accountID)
        let record = try await checkPassword(username: account.username, password: password, client: client, logger: logger)
        var methods: [AuthenticationMethod] = [.password]
        if try await hasSecondFactor(accountID: record.accountID) {
            guard let secondFactor else { throw AccountError.secondFactorRequired }
            methods.append(try await checkSecondFactor(secondFactor, of: record, client: client, logger: logger))
        }
        return try await recordAuthentication(of: session, methods: methods, client: client, logger: logger)
    }

    /// Writes a successful reauthentication of `session` by `methods`, with its audit event.
    func recordAuthentication(
        of session: SessionDocument,
        methods: [AuthenticationMethod],
        client: ConnectionInfo,
        logger: Logger
    ) async throws -> SessionDocument {
        let now = clock.now()
        let audit = auditTrail(
            .sessionReauthenticated,
            accountID: session.accountID,
            sessionID: session.id,
            client: client,
            details: ["methods": AuthenticationMethod.pack(methods)]
        )
        guard try await store.recordAuthentication(sessionID: session.id, methods: methods, at: now, audit: audit) else {
            throw AccountError(.invalidSession)
        }
        logger.info("session reauthenticated", metadata: ["gatehouse.session_id": "\(session.id)"])
        var renewed = session
        renewed.authenticatedAt = now
        renewed.authenticationMethods = methods
        return renewed
    }
}
