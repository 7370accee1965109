import Logging

/// Logins with an identity provider and the identities linked to accounts.
///
/// An identity is the pair (issuer, subject) of a verified ID token. Its first login creates an
/// account — unless the e-mail address it vouches for already belongs to one: that account must log
/// in and link the identity itself (``linkIdentity(_:toAccount:)``), so that nobody gains an account by
/// controlling an address at some provider.
extension Accounts {
    /// Logs in with the identity `verify` returns — the caller's check of a provider's answer — and
    /// starts a session, as ``logIn(username:password:client:logger:)`` does for a password.
    ///
    /// The attempt is counted by the login throttle's per-address limit before `verify` runs, so forged
    /// answers cost an attacker like wrong passwords; a failure of `verify` is a `login.failed` event.
    /// The account is the one the identity is linked to; a new identity with a verified e-mail address
    /// no account has creates one (no password, the address verified). Throws
    /// ``AccountError/Code/identityNotLinked`` when an account has that address,
    /// ``AccountError/Code/emailNotVerified`` (``AccountError/Detail/providerEmail``) when a new identity
    /// comes without a verified address, ``AccountError/Code/userDeactivated`` for a deactivated account.
    public func logIn(
        provider: String,
        client: ConnectionInfo,
        logger: Logger? = nil,
        verify: () async throws -> ProviderIdentity
    ) async throws -> Authentication {
        let logger = logger ?? self.logger
        return try await countingLogin {
            let attempt: LoginThrottle.Attempt?
            do {
                attempt = try await loginThrottle?.reserve(ip: client.ip)
            } catch let error as AccountError where error.code == .tooManyAttempts {
                SessionMetrics.failure(error)
                logger.notice("login throttled", metadata: ["gatehouse.client_ip": "\(client.ip)", "gatehouse.provider": "\(provider)"])
                await recordAudit(.loginThrottled, accountID: nil, client: client, details: ["provider": provider], logger: logger)
                throw error
            }
            let identity: ProviderIdentity
            do {
                identity = try await verify()
            } catch let error as AccountError where error.code == .identityVerificationFailed {
                var details = ["method": "oidc", "provider": provider]
                details["reason"] = error.detail?.rawValue
                logger.notice("identity login refused", metadata: ["gatehouse.client_ip": "\(client.ip)", "gatehouse.provider": "\(provider)"])
                await recordAudit(.loginFailed, accountID: nil, client: client, details: details, logger: logger)
                throw error
            }
            if let attempt { try await loginThrottle?.succeeded(attempt) }
            let details = ["method": "oidc", "provider": provider]
            let record: AccountRecord
            if let linked = try await linkedAccount(identity) {
                record = linked
            } else {
                do {
                    record = try await createAccount(for: identity, logger: logger)
                } catch let error as AccountError where error.code == .conflict && error.detail == .identityTaken {
                    // Its first login ran twice at once, and the other one created the account.
                    guard let linked = try await linkedAccount(identity) else { throw error }
                    record = linked
                }
            }
            return try await recordingRefusal(of: record, client: client, logger: logger) {
                try checkLoginAllowed(record)
                return try await sessions.startSession(
                    for: Account(record),
                    client: client,
                    authenticatedBy: [.provider],
                    loginDetails: details,
                    logger: logger
                )
            }
        }
    }

    /// The account the identity is linked to, if any.
    private func linkedAccount(_ identity: ProviderIdentity) async throws -> AccountRecord? {
        guard let linked = try await store.identity(issuer: identity.issuer, subject: identity.subject) else { return nil }
        return try await store.account(id: linked.accountID)
    }

    /// Links a verified identity to an existing account (whose owner is logged in: the caller checked).
    /// Throws ``AccountError/Code/conflict`` (``AccountError/Detail/identityTaken``) when the identity is
    /// linked already, here or to another account.
    public func linkIdentity(_ identity: ProviderIdentity, toAccount accountID: String) async throws -> IdentityRecord {
        let now = clock.now()
        let record = IdentityRecord(
            id: Identifiers.ulid(at: now, random: random),
            accountID: accountID,
            provider: identity.provider,
            issuer: identity.issuer,
            subject: identity.subject,
            email: identity.verifiedEmail,
            createdAt: now
        )
        let audit = auditTrail(.identityLinked, accountID: accountID, details: ["provider": identity.provider])
        guard try await store.linkIdentity(record, audit: audit) else { throw AccountError.userNotFound }
        logger.info("identity linked", metadata: ["gatehouse.account_id": "\(accountID)", "gatehouse.provider": "\(identity.provider)"])
        return record
    }

    /// The account's linked identities, oldest first.
    public func identities(ofAccount accountID: String) async throws -> [IdentityRecord] {
        try await store.identities(accountID: accountID)
    }

    /// Unlinks one of the account's identities. Throws ``AccountError/Code/identityNotFound`` when the
    /// account has no identity `id`, and ``AccountError/Code/conflict``
    /// (``AccountError/Detail/lastWayToLogIn``) when the account has no password and no other identity.
    public func unlinkIdentity(id: String, fromAccount accountID: String) async throws {
        let provider = try await store.identities(accountID: accountID).first { $0.id == id }?.provider
        guard let provider else { throw AccountError.identityNotFound }
        let audit = auditTrail(.identityUnlinked, accountID: accountID, details: ["provider": provider])
        switch try await store.unlinkIdentity(id: id, accountID: accountID, audit: audit) {
        case .removed:
            logger.info("identity unlinked", metadata: ["gatehouse.account_id": "\(accountID)", "gatehouse.provider": "\(provider)"])
        case .notFound:
            throw AccountError.identityNotFound
        case .lastWayToLogIn:
            throw AccountError.conflict(.lastWayToLogIn)
        }
    }

    /// Creates the account of a new identity, linked to it in the same transaction; refuses one whose
    /// address is unverified or belongs to an account already.
    private func createAccount(for identity: ProviderIdentity, logger: Logger) async throws -> AccountRecord {
        guard let email = identity.verifiedEmail else { throw AccountError(.emailNotVerified, .providerEmail) }
        if try await store.account(email: email) != nil { throw AccountError.identityNotLinked }
        let base = UsernameSuggestion.base(for: identity)
        // A username taken in the meantime, or by chance, is tried again with another suffix; anything
        // else taken (the address, the identity) is the answer.
        for attempt in 0..<6 {
            let username = UsernameSuggestion.candidate(base: base, attempt: attempt, random: random)
            if attempt < 5, try await store.account(username: username) != nil { continue }
            let now = clock.now()
            let accountID = Identifiers.ulid(at: now, random: random)
            let record = AccountRecord(
                accountID: accountID,
                username: username,
                email: email,
                emailVerified: true,
                permissions: ["admin_profile:\(accountID)"],
                createdAt: now,
                updatedAt: now
            )
            let contact = ContactRecord(accountID: accountID, kind: .email, value: email, verified: true, isPrimary: true, createdAt: now)
            let linked = IdentityRecord(
                id: Identifiers.ulid(at: now, random: random),
                accountID: accountID,
                provider: identity.provider,
                issuer: identity.issuer,
                subject: identity.subject,
                email: email,
                createdAt: now
            )
            let created = auditTrail(.accountCreated, accountID: accountID, details: ["provider": identity.provider])
            let link = auditTrail(.identityLinked, accountID: accountID, details: ["provider": identity.provider])
            let audit = AuditTrail(events: created.events + link.events, messages: created.messages + link.messages)
            do {
                try await store.createAccount(record, identity: linked, contacts: [contact], audit: audit)
            } catch let error as AccountError where error.code == .conflict && error.detail == .usernameTaken && attempt < 5 {
                continue
            } catch let error as AccountError where error.code == .conflict && error.detail == .contactTaken {
                throw AccountError.identityNotLinked
            }
            logger.info("account created", metadata: ["gatehouse.account_id": "\(accountID)", "gatehouse.provider": "\(identity.provider)"])
            return record
        }
        throw AccountError.conflict(.usernameTaken)
    }
}
