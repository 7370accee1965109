import Logging

extension Accounts {
    /// Sends the account a message with a link that verifies its e-mail address (nothing when it is
    /// verified already). Limited per address and per client like recovery requests. The link's token
    /// is single use, valid for ``AccountsOptions/emailVerificationTokenLifetime``, and replaces any
    /// earlier one.
    public func requestEmailVerification(accountID: String, client: ConnectionInfo, logger: Logger? = nil) async throws {
        let logger = logger ?? self.logger
        guard let account = try await store.account(id: accountID) else { throw AccountError.userNotFound }
        try await reserveMessage("verification", email: account.email, client: client, logger: logger)
        try await sendVerification(to: account, logger: logger)
    }

    /// Issues a verification token for the account's address and queues its message, in one write;
    /// nothing when the address is verified already.
    func sendVerification(to account: AccountRecord, logger: Logger) async throws {
        guard !account.emailVerified else { return }
        _ = try await store.deleteTokens(accountID: account.accountID, kind: .emailVerification)
        let now = clock.now()
        let lifetime = options.emailVerificationTokenLifetime
        _ = try await issue(.emailVerification, accountID: account.accountID, createdFor: account.email, reason: nil, token: nil, lifetime: lifetime)
        {
            token in
            [
                try AccountMessage.message(
                    AccountMessage.verifyEmail,
                    to: account.email,
                    accountID: account.accountID,
                    values: [
                        "username": account.username, "link": options.links.verification(token: token),
                        "expires_in": AccountMessage.spelledOut(lifetime),
                    ],
                    at: now,
                    random: random
                )
            ]
        }
        logger.info("e-mail verification queued", metadata: ["gatehouse.account_id": "\(account.accountID)"])
    }

    /// Confirms an address with a token from ``requestEmailVerification(accountID:client:logger:)`` or
    /// ``requestEmailChange(accountID:to:password:client:logger:)`` — once, before it expires — and
    /// returns the account: the address is now verified and, for a change, the account's primary address.
    /// Throws ``AccountError/Code/invalidToken`` for an unknown, used or expired token.
    public func confirmEmail(token: String, logger: Logger? = nil) async throws -> Account {
        let logger = logger ?? self.logger
        if let record = try await spend(token, kind: .emailVerification) {
            _ = try await verifyEmail(accountID: record.accountID, email: record.createdFor)
            logger.info("e-mail verified", metadata: ["gatehouse.account_id": "\(record.accountID)"])
            return try await requireAccount(record.accountID)
        }
        guard let record = try await spend(token, kind: .emailChange),
            try await store.changePrimaryEmail(
                accountID: record.accountID,
                to: record.createdFor,
                at: clock.now(),
                audit: auditTrail(.emailChanged, accountID: record.accountID)
            )
        else {
            throw AccountError.invalidToken
        }
        // Links sent to the old address, or for another change, no longer apply.
        try await spendLinks([.emailVerification, .emailChange, .passwordRecovery], accountID: record.accountID)
        logger.info("e-mail changed", metadata: ["gatehouse.account_id": "\(record.accountID)"])
        return try await requireAccount(record.accountID)
    }

    func requireAccount(_ accountID: String) async throws -> Account {
        guard let account = try await store.account(id: accountID) else { throw AccountError.userNotFound }
        return Account(account)
    }
}
