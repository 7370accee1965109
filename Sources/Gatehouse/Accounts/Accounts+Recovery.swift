import Logging

extension Accounts {
    /// Sends a link that sets a new password to the account with this e-mail address, if there is one.
    ///
    /// The answer is the same whether or not an account has the address (the caller learns nothing), and
    /// so is the work done before it: the request is counted against the limits per address and per
    /// client either way, and a request for an unknown address waits as long as writing the link
    /// typically takes. The link's token is single use, valid for
    /// ``AccountsOptions/passwordResetTokenLifetime``, and replaces any earlier one.
    public func requestPasswordRecovery(email: String, client: ConnectionInfo, logger: Logger? = nil) async throws {
        let logger = logger ?? self.logger
        let started = ContinuousClock.now
        // An address no account could have is answered like an unknown one.
        let canonical = (try? AccountValidation.canonicalEmail(email)) ?? String(email.lowercased().prefix(254))
        try await reserveMessage("recovery", email: canonical, client: client, logger: logger)
        guard let account = try await store.account(email: canonical), !account.deactivated else {
            await recoveryPacer.padFastCase(elapsed: ContinuousClock.now - started)
            return
        }
        defer { recoveryPacer.recordSlowCase(ContinuousClock.now - started) }
        _ = try await store.deleteTokens(accountID: account.accountID, kind: .passwordRecovery)
        let now = clock.now()
        let lifetime = options.passwordResetTokenLifetime
        _ = try await issue(
            .passwordRecovery,
            accountID: account.accountID,
            createdFor: account.accountID,
            reason: "recovery",
            token: nil,
            lifetime: lifetime
        ) {
            token in
            [
                try AccountMessage.message(
                    AccountMessage.resetPassword,
                    to: canonical,
                    accountID: account.accountID,
                    values: [
                        "username": account.username, "link": options.links.recovery(token: token),
                        "expires_in": AccountMessage.spelledOut(lifetime),
                    ],
                    at: now,
                    random: random
                )
            ]
        }
        logger.info("password recovery queued", metadata: ["gatehouse.account_id": "\(account.accountID)"])
    }

    /// Sets a new password with a token from ``requestPasswordRecovery(email:client:logger:)`` — once,
    /// before it expires — then ends every session of the account, clears its failed logins, marks its
    /// address verified (the link proved it) and spends its other reset links and any pending address
    /// change. Returns the account id. Throws ``AccountError/Code/weakPassword`` (the
    /// token is kept) or ``AccountError/Code/invalidToken``.
    @discardableResult
    public func recoverPassword(token: String, newPassword: String, logger: Logger? = nil) async throws -> String {
        let logger = logger ?? self.logger
        _ = try options.passwordPolicy.check(newPassword)
        let record = try await consume(token, kind: .passwordRecovery)
        try await setPassword(accountID: record.accountID, newPassword: newPassword, revoking: .all, recordedAs: .passwordReset)
        if let account = try await store.account(id: record.accountID) {
            try await loginThrottle?.clear(username: account.username)
            // The link reached the account's address (an address change spends reset links), so the
            // address is proven: an account that lost its verification link is not locked out.
            if !account.emailVerified { _ = try await verifyEmail(accountID: account.accountID, email: account.email) }
        }
        try await spendLinks(Self.linksVoidedByNewPassword, accountID: record.accountID)
        logger.info("password reset", metadata: ["gatehouse.account_id": "\(record.accountID)"])
        return record.accountID
    }
}
