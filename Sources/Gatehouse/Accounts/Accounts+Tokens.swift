import struct Foundation.Date

extension Accounts {
    /// Creates an e-mail verification token for one of the account's addresses. The value (86
    /// characters of base64url unless `token` is given) is returned once; the store keeps its digest.
    public func addEmailVerificationToken(accountID: String, email: String, token: String? = nil) async throws -> IssuedToken {
        let canonical = try AccountValidation.canonicalEmail(email)
        let contacts = try await store.contacts(accountID: accountID)
        guard contacts.contains(where: { $0.kind == .email && $0.value == canonical }) else {
            throw AccountError.userNotFound
        }
        return try await issue(
            .emailVerification,
            accountID: accountID,
            createdFor: canonical,
            reason: nil,
            token: token,
            lifetime: options.emailVerificationTokenLifetime
        )
    }

    /// Consumes an e-mail verification token (once, before it expires) and marks its address verified.
    public func consumeEmailVerificationToken(_ token: String) async throws -> ContactRecord {
        let record = try await consume(token, kind: .emailVerification)
        return try await verifyEmail(accountID: record.accountID, email: record.createdFor)
    }

    /// Creates a password reset token for an existing account.
    public func addResetPasswordToken(accountID: String, reason: String? = nil, token: String? = nil) async throws -> IssuedToken {
        guard try await store.account(id: accountID) != nil else { throw AccountError.userNotFound }
        return try await issue(
            .passwordRecovery,
            accountID: accountID,
            createdFor: accountID,
            reason: reason,
            token: token,
            lifetime: options.passwordResetTokenLifetime
        )
    }

    /// Consumes a reset token, sets the new password, ends every session of the account and removes
    /// its other reset tokens. Returns the account id.
    @discardableResult
    public func resetPassword(token: String, newPassword: String) async throws -> String {
        try await recoverPassword(token: token, newPassword: newPassword)
    }

    /// Deletes every reset token of the account; returns how many.
    public func removeAllResetPasswordTokens(accountID: String) async throws -> Int {
        try await store.deleteTokens(accountID: accountID, kind: .passwordRecovery)
    }

    /// Deletes the account's outstanding links of these kinds.
    func spendLinks(_ kinds: [OneTimeTokenRecord.Kind], accountID: String) async throws {
        for kind in kinds { _ = try await store.deleteTokens(accountID: accountID, kind: kind) }
    }

    /// The links a new password makes void: reset links, a pending address change and logins waiting
    /// for their second factor, which whoever knew the old password may have started (and could
    /// otherwise use to take the account).
    static let linksVoidedByNewPassword: [OneTimeTokenRecord.Kind] = [.passwordRecovery, .emailChange, .secondFactorChallenge]

    /// Creates a token and stores it with the messages `messages` makes of its value, in one write.
    func issue(
        _ kind: OneTimeTokenRecord.Kind,
        accountID: String,
        createdFor: String,
        reason: String?,
        token: String?,
        lifetime: Duration,
        messages: (String) throws -> [OutboxMessage] = { _ in [] }
    ) async throws -> IssuedToken {
        let random = options.sessions.random
        let value = token ?? Base64URL.encode(random.bytes(32))
        guard (16...1000).contains(value.utf8.count) else {
            throw AccountError.invalidRequest(.oneTimeToken)
        }
        let now = options.sessions.clock.now()
        let record = OneTimeTokenRecord(
            id: Identifiers.ulid(at: now, random: random),
            accountID: accountID,
            kind: kind,
            createdFor: createdFor,
            hash: SecretDigest.sha256(value),
            reason: reason,
            createdAt: now,
            expiresAt: now.addingTimeInterval(lifetime.seconds)
        )
        try await store.insertToken(record, messages: try messages(value))
        return IssuedToken(value: value, record: record)
    }

    func consume(_ token: String, kind: OneTimeTokenRecord.Kind) async throws -> OneTimeTokenRecord {
        guard let record = try await spend(token, kind: kind) else { throw AccountError.invalidToken }
        return record
    }

    /// Spends a token of `kind` if it is valid; `nil` when it is unknown, used or expired. A store
    /// failure is thrown, not taken for an invalid token.
    func spend(_ token: String, kind: OneTimeTokenRecord.Kind) async throws -> OneTimeTokenRecord? {
        guard token.utf8.count <= 1000 else { return nil }
        return try await store.consumeToken(hash: SecretDigest.sha256(token), kind: kind, at: options.sessions.clock.now())
    }
}
