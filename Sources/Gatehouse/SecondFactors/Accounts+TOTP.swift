import Logging

extension Accounts {
    /// Starts setting up a TOTP second factor for the session's account: a new secret, sealed at rest
    /// with ``AccountsOptions/totpKeys``, pending until ``confirmTOTP(session:code:client:logger:)``. Starting
    /// again replaces a pending one. Needs a recent authentication
    /// (``AccountError/Code/reauthenticationRequired``); an account whose factor is on gets
    /// ``AccountError/Code/conflict`` (``AccountError/Detail/totpEnabled``).
    public func beginTOTPEnrolment(session: SessionDocument, logger: Logger? = nil) async throws -> TOTPEnrolment {
        try requireRecentAuthentication(session)
        guard !options.totpKeys.isEmpty else { throw AccountError.invalidConfiguration(.totpUnavailable) }
        let account = try await requireAccount(session.accountID)
        let secret = random.bytes(TOTP.secretByteCount)
        let factor = TOTPFactorRecord(
            accountID: account.accountID,
            sealedSecret: try SealingKey.seal(secret, with: options.totpKeys, context: Self.totpContext(account.accountID)),
            createdAt: clock.now()
        )
        guard try await store.beginTOTPEnrolment(factor) else { throw AccountError.conflict(.totpEnabled) }
        (logger ?? self.logger).info("totp enrolment started", metadata: ["gatehouse.account_id": "\(account.accountID)"])
        let totp = TOTP(secret: secret)
        return TOTPEnrolment(
            secret: Base32.encode(secret),
            provisioningURL: totp.provisioningURL(issuer: options.totpIssuer, accountName: account.username)
        )
    }

    /// Turns the pending factor on with a first code from the app (``AccountError/Code/invalidRequest``,
    /// ``AccountError/Detail/totpCode``, when it is wrong) and returns ``RecoveryCodes/count`` new recovery
    /// codes — shown once, stored only as digests, replacing any earlier ones.
    public func confirmTOTP(session: SessionDocument, code: String, client: ConnectionInfo, logger: Logger? = nil) async throws -> [String] {
        try requireRecentAuthentication(session)
        guard let factor = try await store.totpFactor(accountID: session.accountID) else { throw AccountError.conflict(.totpNotStarted) }
        guard factor.confirmedAt == nil else { throw AccountError.conflict(.totpEnabled) }
        let secret = try openTOTPSecret(factor)
        guard let step = TOTP(secret: secret).matchingStep(of: Self.trimmed(code), around: TOTP.step(at: clock.now())) else {
            throw AccountError.invalidRequest(.totpCode)
        }
        let codes = RecoveryCodes.generate(random: random)
        let audit = auditTrail(.totpEnabled, accountID: session.accountID, sessionID: session.id, client: client)
        guard
            try await store.confirmTOTP(
                accountID: session.accountID,
                createdAt: factor.createdAt,
                step: step,
                recoveryCodeHashes: codes.map(RecoveryCodes.digest),
                at: clock.now(),
                audit: audit
            )
        else { throw AccountError.conflict(.totpNotStarted) }
        (logger ?? self.logger).notice("totp enabled", metadata: ["gatehouse.account_id": "\(session.accountID)"])
        return codes
    }

    /// Turns the account's second factor off (pending or on) and deletes its recovery codes. Needs a
    /// recent authentication; an account without one gets ``AccountError/Code/conflict``
    /// (``AccountError/Detail/totpNotEnabled``).
    public func disableTOTP(session: SessionDocument, client: ConnectionInfo, logger: Logger? = nil) async throws {
        try requireRecentAuthentication(session)
        let audit = auditTrail(.totpDisabled, accountID: session.accountID, sessionID: session.id, client: client)
        guard try await store.deleteTOTP(accountID: session.accountID, audit: audit) else { throw AccountError.conflict(.totpNotEnabled) }
        (logger ?? self.logger).notice("totp disabled", metadata: ["gatehouse.account_id": "\(session.accountID)"])
    }

    /// Whether the account's second factor is on (confirmed).
    public func hasSecondFactor(accountID: String) async throws -> Bool {
        try await store.totpFactor(accountID: accountID)?.confirmedAt != nil
    }

    /// Checks `proof` against the account's second factor and spends it — a code's time step, a recovery
    /// code — so that it never works twice; returns the method it was. Throws
    /// ``AccountError/Code/secondFactorFailed``.
    func verifySecondFactor(_ proof: SecondFactorProof, accountID: String, client: ConnectionInfo) async throws -> AuthenticationMethod {
        switch proof {
        case .code(let code):
            guard let factor = try await store.totpFactor(accountID: accountID), factor.confirmedAt != nil else {
                throw AccountError.secondFactorFailed(.totpNotEnabled)
            }
            let totp = TOTP(secret: try openTOTPSecret(factor))
            guard let step = totp.matchingStep(of: Self.trimmed(code), around: TOTP.step(at: clock.now())), step > factor.lastUsedStep,
                try await store.useTOTPStep(accountID: accountID, step: step)
            else { throw AccountError.secondFactorFailed(.totpCode) }
            return .totp
        case .recoveryCode(let code):
            let audit = auditTrail(.recoveryCodeUsed, accountID: accountID, client: client)
            guard code.utf8.count <= 64,
                try await store.useRecoveryCode(accountID: accountID, hash: RecoveryCodes.digest(code), at: clock.now(), audit: audit)
            else { throw AccountError.secondFactorFailed(.recoveryCode) }
            return .recoveryCode
        }
    }

    func openTOTPSecret(_ factor: TOTPFactorRecord) throws(AccountError) -> [UInt8] {
        try SealingKey.open(factor.sealedSecret, with: options.totpKeys, context: Self.totpContext(factor.accountID))
    }

    /// The authenticated data of a sealed TOTP secret: the account's, so a secret copied to another
    /// account's row does not open.
    static func totpContext(_ accountID: String) -> String {
        "gatehouse.totp|\(accountID)"
    }

    /// A code as typed, without the spaces apps show in the middle of it.
    static func trimmed(_ code: String) -> String {
        code.filter { $0 != " " }
    }
}

extension Accounts {
    /// The account's pending TOTP factor as its holder set it up — the secret and the URL again — for a
    /// page that asks for the first code once more; `nil` when no factor is pending.
    public func pendingTOTPEnrolment(session: SessionDocument) async throws -> TOTPEnrolment? {
        try requireRecentAuthentication(session)
        guard let factor = try await store.totpFactor(accountID: session.accountID), factor.confirmedAt == nil else { return nil }
        let account = try await requireAccount(session.accountID)
        return enrolment(secret: try openTOTPSecret(factor), username: account.username)
    }

    /// What the authenticator app is given for `secret`.
    private func enrolment(secret: [UInt8], username: String) -> TOTPEnrolment {
        let url = TOTP(secret: secret).provisioningURL(issuer: options.totpIssuer, accountName: username)
        return TOTPEnrolment(secret: Base32.encode(secret), provisioningURL: url)
    }
}
