import Logging
import Synchronization

import struct Foundation.Date

/// Accounts, passwords, contacts and single-use tokens, with a ``Sessions`` instance for their
/// sessions.
///
/// ```swift
/// let accounts = Accounts(store: store, options: AccountsOptions(sessions: SessionsOptions(keyRing: ring)))
/// _ = try await accounts.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: "correct horse"))
/// let login = try await accounts.logIn(username: "ada", password: "correct horse", client: client)
/// ```
public final class Accounts: Sendable {
    /// The session layer, on the same store.
    public let sessions: Sessions
    public let options: AccountsOptions
    public let store: any AccountStore & SessionStore & TokenStore & ThrottleStore & AuditStore & IdentityStore & SecondFactorStore & PasskeyStore
    /// The login limits, counted in the store; `nil` when ``AccountsOptions/loginThrottle`` is.
    public let loginThrottle: LoginThrottle?
    /// A hash of no one's password, verified against when the username is unknown, so that an unknown
    /// username takes as long as a wrong password.
    private let decoyHash = Mutex<String?>(nil)
    /// Makes a recovery request for an unknown address take as long as one for a known address.
    let recoveryPacer = ResponsePacer()

    public init(
        store: any AccountStore & SessionStore & TokenStore & ThrottleStore & AuditStore & IdentityStore & SecondFactorStore & PasskeyStore,
        options: AccountsOptions
    ) {
        self.store = store
        self.options = options
        self.sessions = Sessions(options: options.sessions, store: store)
        self.loginThrottle = options.loginThrottle.map { LoginThrottle(limits: $0, store: store, clock: options.sessions.clock) }
    }

    var clock: any WallClock { options.sessions.clock }
    var random: any RandomSource { options.sessions.random }
    var logger: Logger { options.sessions.logger }

    /// The audit trail of one event about `accountID`, happening now.
    func auditTrail(
        _ kind: AuditEvent.Kind,
        accountID: String?,
        sessionID: String? = nil,
        client: ConnectionInfo? = nil,
        details: [String: String] = [:]
    ) -> AuditTrail {
        options.sessions.auditLog.trail(
            kind,
            accountID: accountID,
            sessionID: sessionID,
            client: client,
            details: details,
            at: clock.now(),
            random: random
        )
    }

    /// Records an event that changes nothing else (a failed or throttled login). A store that cannot
    /// write it does not change the caller's answer: the failure is logged instead.
    func recordAudit(
        _ kind: AuditEvent.Kind,
        accountID: String?,
        client: ConnectionInfo,
        details: [String: String] = [:],
        logger: Logger
    ) async {
        let trail = auditTrail(kind, accountID: accountID, client: client, details: details)
        do {
            try await store.recordAudit(trail)
        } catch {
            logger.warning("an audit event could not be written", metadata: ["gatehouse.event": "\(kind)", "gatehouse.error": "\(error)"])
        }
    }

    // MARK: Accounts

    /// Creates an account with its password and contacts, atomically. Throws
    /// ``AccountError/Code/invalidRequest`` for input that breaks a rule (before anything is written) and
    /// ``AccountError/Code/conflict`` when the username or a contact is taken.
    public func createAccount(_ input: CreateAccountInput) async throws -> Account {
        let username = try AccountValidation.canonicalUsername(input.username)
        let email = try AccountValidation.canonicalEmail(input.email)
        let password = try options.passwordPolicy.check(input.password)
        let now = clock.now()
        let accountID = Identifiers.ulid(at: now, random: random)

        var contacts = [ContactRecord(accountID: accountID, kind: .email, value: email, isPrimary: true, createdAt: now)]
        for extra in input.extraContacts {
            let value = try AccountValidation.canonicalContact(kind: extra.kind, value: extra.value)
            guard !contacts.contains(where: { $0.kind == extra.kind && $0.value == value }) else { continue }
            contacts.append(ContactRecord(accountID: accountID, kind: extra.kind, value: value, createdAt: now))
        }
        let record = AccountRecord(
            accountID: accountID,
            username: username,
            email: email,
            permissions: ["admin_profile:\(accountID)"],
            createdAt: now,
            updatedAt: now
        )
        let hash = try await options.passwordHasher.hash(password)
        try await store.createAccount(record, passwordHash: hash, contacts: contacts, audit: auditTrail(.accountCreated, accountID: accountID))
        logger.info("account created", metadata: ["gatehouse.account_id": "\(accountID)"])
        return Account(record)
    }

    /// Creates an account for a client signing itself up: ``createAccount(_:)`` behind the sign-up limit
    /// per address (``AccountsOptions/signUpLimit``), which is counted before the password is hashed and
    /// whether or not the account is created, so the limit also bounds how fast anyone can learn which
    /// usernames and e-mail addresses exist. Over it: ``AccountError/Code/tooManyAttempts``.
    public func signUp(_ input: CreateAccountInput, client: ConnectionInfo, logger: Logger? = nil) async throws -> Account {
        let logger = logger ?? self.logger
        if let limit = options.signUpLimit {
            let key = "signup.address:\(ThrottleKeys.address(client.ip))"
            if case .refused(let retryAfter) = try await store.reserveAttempt(under: [limit.limit(key)], at: clock.now()) {
                logger.notice("sign-up throttled", metadata: ["gatehouse.client_ip": "\(client.ip)"])
                throw AccountError.tooManyAttempts(retryAfter: Int(retryAfter.seconds.rounded(.up)))
            }
        }
        let account = try await createAccount(input)
        if options.sendsVerificationOnSignUp {
            // The account exists whatever happens here: a message that could not be queued is asked for
            // again with `requestEmailVerification`, and does not count against its limits.
            do {
                if let record = try await store.account(id: account.accountID) {
                    try await sendVerification(to: record, logger: logger)
                }
            } catch {
                logger.warning(
                    "the verification message of a new account could not be queued",
                    metadata: ["gatehouse.account_id": "\(account.accountID)", "gatehouse.error": "\(error)"]
                )
            }
        }
        return account
    }

    /// The account with this username (case-insensitive), if any.
    public func account(username: String) async throws -> Account? {
        guard let canonical = try? AccountValidation.canonicalUsername(username) else { return nil }
        return try await store.account(username: canonical).map(Account.init)
    }

    /// The account with this id, if any.
    public func account(id accountID: String) async throws -> Account? {
        try await store.account(id: accountID).map(Account.init)
    }

    /// Checks the password and starts a session. Unknown username and wrong password both give
    /// ``AccountError/Code/loginFailed`` after the same amount of work; a deactivated account gives
    /// ``AccountError/Code/userDeactivated`` (only to someone who knows the password); too many failures
    /// give ``AccountError/Code/tooManyAttempts``. An account whose second factor is on gets
    /// ``AccountError/Code/secondFactorRequired``: log it in with ``beginLogIn(username:password:client:logger:)``.
    public func logIn(username: String, password: String, client: ConnectionInfo, logger: Logger? = nil) async throws -> Authentication {
        switch try await beginLogIn(username: username, password: password, client: client, logger: logger) {
        case .authenticated(let authentication): return authentication
        case .secondFactorRequired: throw AccountError.secondFactorRequired
        }
    }

    /// Runs the rest of a login whose password was right, recording a refusal of the account — a
    /// deactivated one, an unverified address — as a failed login: someone holds the password of an
    /// account that may not log in.
    func recordingRefusal<Result>(
        of record: AccountRecord,
        client: ConnectionInfo,
        logger: Logger,
        _ login: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await login()
        } catch let error as AccountError where error.code == .userDeactivated || error.code == .emailNotVerified {
            await recordAudit(.loginFailed, accountID: record.accountID, client: client, details: ["reason": error.code.rawValue], logger: logger)
            throw error
        }
    }

    /// Runs a login and counts how it ended in `gatehouse_logins_total{outcome}`: `ok`, `throttled`
    /// (``AccountError/Code/tooManyAttempts``) or `failed` (anything else).
    func countingLogin<Result>(_ login: () async throws -> Result) async throws -> Result {
        do {
            let result = try await login()
            SessionMetrics.login(.ok)
            return result
        } catch {
            SessionMetrics.login((error as? AccountError)?.code == .tooManyAttempts ? .throttled : .failed)
            throw error
        }
    }

    /// Refuses a login the account may not make yet: with ``AccountsOptions/requiresVerifiedEmail``, an
    /// unverified address. Checked after the password, so only its holder learns it.
    func checkLoginAllowed(_ record: AccountRecord) throws(AccountError) {
        if options.requiresVerifiedEmail, !record.emailVerified { throw AccountError.emailNotVerified }
    }

    /// The account whose password `password` is, or ``AccountError/Code/loginFailed``; counted by the
    /// login throttle.
    func checkPassword(username: String, password: String, client: ConnectionInfo, logger: Logger) async throws -> AccountRecord {
        let ip = client.ip
        let canonical = try? AccountValidation.canonicalUsername(username)
        let attempt: LoginThrottle.Attempt?
        do {
            attempt = try await loginThrottle?.reserve(username: username, ip: ip)
        } catch let error as AccountError where error.code == .tooManyAttempts {
            SessionMetrics.failure(error)
            logger.notice("login throttled", metadata: ["gatehouse.client_ip": "\(ip)"])
            let throttled = if let canonical { try? await store.account(username: canonical) } else { nil as AccountRecord? }
            await recordAudit(.loginThrottled, accountID: throttled?.accountID, client: client, logger: logger)
            throw error
        }
        let normalized = AccountValidation.normalize(password)
        let record = if let canonical { try await store.account(username: canonical) } else { nil as AccountRecord? }
        let storedHash = if let record { try await store.passwordHash(accountID: record.accountID) } else { nil as String? }
        let hashToCheck = if let storedHash { storedHash } else { try await decoy() }
        let matches = try await options.passwordHasher.verify(normalized, against: hashToCheck)
        guard let record, storedHash != nil, matches else {
            SessionMetrics.failure(AccountError.loginFailed)
            var metadata: Logger.Metadata = ["gatehouse.client_ip": "\(ip)"]
            if let record { metadata["gatehouse.account_id"] = "\(record.accountID)" }
            logger.notice("login failed", metadata: metadata)
            await recordAudit(.loginFailed, accountID: record?.accountID, client: client, logger: logger)
            throw AccountError.loginFailed
        }
        if let attempt { try await loginThrottle?.succeeded(attempt) }
        return record
    }

    /// Sets a new password for an existing account (``AccountError/Code/userNotFound`` otherwise) and ends
    /// its sessions as `revocation` says — by default every session, unless
    /// ``AccountsOptions/keepsSessionsOnPasswordChange`` is set. A login in flight when the password
    /// changes creates no session, whatever `revocation` says.
    public func setPassword(accountID: String, newPassword: String, revoking requested: SessionRevocation? = nil) async throws {
        try await setPassword(accountID: accountID, newPassword: newPassword, revoking: requested, recordedAs: .passwordChanged)
    }

    /// ``setPassword(accountID:newPassword:revoking:)``, recorded in the audit log as `event`.
    func setPassword(accountID: String, newPassword: String, revoking requested: SessionRevocation?, recordedAs event: AuditEvent.Kind) async throws {
        let revocation = requested ?? (options.keepsSessionsOnPasswordChange ? .none : .all)
        let password = try options.passwordPolicy.check(newPassword)
        let hash = try await options.passwordHasher.hash(password)
        guard try await store.setPasswordHash(accountID: accountID, hash: hash, at: clock.now(), audit: auditTrail(event, accountID: accountID))
        else {
            throw AccountError.userNotFound
        }
        switch revocation {
        case .none:
            break
        case .all:
            try await sessions.revokeSessions(.allSessions(accountID: accountID), reason: .passwordChanged)
        case .allExcept(let sessionID):
            try await sessions.revokeSessions(.allSessionsExcept(sessionID: sessionID, accountID: accountID), reason: .passwordChanged)
        }
        logger.info("password changed", metadata: ["gatehouse.account_id": "\(accountID)"])
    }

    /// Marks the account's e-mail contact verified (the caller has checked a token). Throws
    /// ``AccountError/Code/userNotFound`` when the account has no such address.
    public func verifyEmail(accountID: String, email: String) async throws -> ContactRecord {
        let canonical = (try? AccountValidation.canonicalEmail(email)) ?? email.lowercased()
        let audit = auditTrail(.emailVerified, accountID: accountID)
        guard let contact = try await store.markContactVerified(accountID: accountID, kind: .email, value: canonical, audit: audit) else {
            throw AccountError.userNotFound
        }
        return contact
    }

    /// Deactivates an account and ends all its sessions at once.
    public func deactivateAccount(accountID: String) async throws {
        guard
            try await store.setDeactivated(accountID: accountID, true, at: clock.now(), audit: auditTrail(.accountDeactivated, accountID: accountID))
        else {
            throw AccountError.userNotFound
        }
        try await sessions.revokeSessions(.allSessions(accountID: accountID), reason: .deactivated)
        logger.info("account deactivated", metadata: ["gatehouse.account_id": "\(accountID)"])
    }

    /// Lets a deactivated account log in again (its old sessions stay ended).
    public func reactivateAccount(accountID: String) async throws {
        guard
            try await store.setDeactivated(accountID: accountID, false, at: clock.now(), audit: auditTrail(.accountReactivated, accountID: accountID))
        else {
            throw AccountError.userNotFound
        }
    }

    /// The account's sessions, oldest first; only the valid, unexpired ones unless `includeEnded`.
    public func sessions(ofAccount accountID: String, includeEnded: Bool = false) async throws -> [SessionDocument] {
        let now = clock.now()
        return try await store.sessions(accountID: accountID, includeInvalid: includeEnded)
            .filter { includeEnded || $0.expiresAt > now }
            .map(SessionDocument.init)
    }

    private func decoy() async throws -> String {
        if let hash = decoyHash.withLock({ $0 }) { return hash }
        let hash = try await options.passwordHasher.hash(Base64URL.encode(random.bytes(24)))
        decoyHash.withLock { $0 = $0 ?? hash }
        return hash
    }
}
