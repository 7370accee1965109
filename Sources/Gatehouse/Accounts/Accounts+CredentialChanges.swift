import Logging

extension Accounts {
    /// Changes the password of a signed-in account: the current password is checked (and counted by the
    /// login throttle, like a login), the new one must follow ``AccountsOptions/passwordPolicy``; every
    /// session of the account but `keptSessionID` ends, and outstanding reset links and any pending
    /// address change are spent.
    public func changePassword(
        accountID: String,
        currentPassword: String,
        newPassword: String,
        keepingSession keptSessionID: String,
        client: ConnectionInfo,
        logger: Logger? = nil
    ) async throws {
        let logger = logger ?? self.logger
        let account = try await requireAccount(accountID)
        _ = try await checkPassword(username: account.username, password: currentPassword, client: client, logger: logger)
        try await setPassword(accountID: accountID, newPassword: newPassword, revoking: .allExcept(sessionID: keptSessionID))
        try await spendLinks(Self.linksVoidedByNewPassword, accountID: accountID)
    }

    /// Starts changing the account's e-mail address to `newEmail`: the password is checked (counted by
    /// the login throttle), a message with a confirmation link goes to the new address and a notice to the
    /// current one. The address changes — verified — once the link is used
    /// (``confirmEmail(token:logger:)``). An address another account has gets no message and the answer
    /// is the same, so the request tells nobody which addresses are taken.
    public func requestEmailChange(
        accountID: String,
        to newEmail: String,
        password: String,
        client: ConnectionInfo,
        logger: Logger? = nil
    ) async throws {
        let logger = logger ?? self.logger
        let account = try await requireAccount(accountID)
        let canonical = try AccountValidation.canonicalEmail(newEmail)
        _ = try await checkPassword(username: account.username, password: password, client: client, logger: logger)
        try await reserveMessage("verification", email: canonical, client: client, logger: logger)
        guard canonical != account.email, try await store.account(email: canonical) == nil else { return }
        _ = try await store.deleteTokens(accountID: accountID, kind: .emailChange)
        let now = clock.now()
        let lifetime = options.emailVerificationTokenLifetime
        _ = try await issue(.emailChange, accountID: accountID, createdFor: canonical, reason: nil, token: nil, lifetime: lifetime) { token in
            [
                try AccountMessage.message(
                    AccountMessage.confirmEmailChange,
                    to: canonical,
                    accountID: accountID,
                    values: [
                        "username": account.username, "link": options.links.verification(token: token), "new_email": canonical,
                        "expires_in": AccountMessage.spelledOut(lifetime),
                    ],
                    at: now,
                    random: random
                ),
                try AccountMessage.message(
                    AccountMessage.emailChangeRequested,
                    to: account.email,
                    accountID: accountID,
                    values: ["username": account.username, "new_email": canonical],
                    at: now,
                    random: random
                ),
            ]
        }
        logger.info("e-mail change requested", metadata: ["gatehouse.account_id": "\(accountID)"])
    }

    /// Closes the account: the password is checked (counted by the login throttle), every session ends,
    /// and the account with its personal data — contacts, sessions with their addresses, tokens,
    /// messages not yet sent, the addresses it logged in from — is deleted; its username and addresses
    /// can be taken again.
    public func deleteAccount(accountID: String, password: String, client: ConnectionInfo, logger: Logger? = nil) async throws {
        let logger = logger ?? self.logger
        let account = try await requireAccount(accountID)
        _ = try await checkPassword(username: account.username, password: password, client: client, logger: logger)
        try await sessions.revokeSessions(.allSessions(accountID: accountID), reason: .logout, logger: logger)
        guard try await store.deleteAccount(accountID: accountID, audit: auditTrail(.accountDeleted, accountID: accountID)) else {
            throw AccountError.userNotFound
        }
        let throttleAccount = ThrottleKeys.account(account.username)
        try await loginThrottle?.clear(username: account.username)
        try await store.forgetTrustedAddresses(account: throttleAccount)
        logger.notice("account deleted", metadata: ["gatehouse.account_id": "\(accountID)"])
    }
}
