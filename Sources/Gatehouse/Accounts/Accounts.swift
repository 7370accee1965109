import struct Foundation.Date
import Logging
import Synchronization

/// Accounts, passwords, contacts and single-use tokens, with a ``Sessions`` instance for their
/// sessions — the `Accounts` class of the original.
public final class Accounts: Sendable {
    /// The session layer, on the same store.
    public let sessions: Sessions
    public let options: AccountsOptions
    public let store: any AccountStore & SessionStore & TokenStore
    private let throttle: LoginThrottle?
    /// A hash of no one's password, verified against when the username is unknown, so that an unknown
    /// username takes as long as a wrong password.
    private let decoyHash = Mutex<String?>(nil)

    public init(store: any AccountStore & SessionStore & TokenStore, options: AccountsOptions) {
        self.store = store
        self.options = options
        self.sessions = Sessions(options: options.sessions, store: store)
        self.throttle = options.loginThrottle.map { LoginThrottle(limits: $0, clock: options.sessions.clock) }
    }

    private var clock: any WallClock { options.sessions.clock }
    private var random: any RandomSource { options.sessions.random }
    private var logger: Logger { options.sessions.logger }

    // MARK: Pass-throughs of the original

    @discardableResult
    public func handleRequest(_ request: SessionRequest) async throws -> SessionRequest {
        try await sessions.handleRequest(request)
    }

    public func refreshTokens(_ input: RefreshTokensInput) async throws -> LoginResult {
        try await sessions.refreshTokens(input)
    }

    @discardableResult
    public func logout(authToken: String, request: SessionRequest) async throws -> Bool {
        try await sessions.logout(authToken: authToken, request: request)
    }

    // MARK: Accounts

    /// Creates an account with its password and contacts, atomically. Throws
    /// ``AccountError/Code/invalidRequest`` for input that breaks a rule (before anything is written) and
    /// ``AccountError/Code/conflict`` when the username or a contact is taken.
    public func createAccount(_ input: CreateAccountInput) async throws -> Account {
        let username = try AccountValidation.canonicalUsername(input.username)
        let email = try AccountValidation.canonicalEmail(input.email)
        let password = try AccountValidation.normalizedPassword(input.password)
        let now = clock.now()
        let accountId = Identifiers.ulid(at: now, random: random)

        var contacts = [ContactRecord(accountId: accountId, kind: .email, value: email, isPrimary: true, createdAt: now)]
        for extra in input.extraContacts {
            let value = try AccountValidation.canonicalContact(kind: extra.kind, value: extra.value)
            guard !contacts.contains(where: { $0.kind == extra.kind && $0.value == value }) else { continue }
            contacts.append(ContactRecord(accountId: accountId, kind: extra.kind, value: value, createdAt: now))
        }
        let record = AccountRecord(
            accountId: accountId, username: username, email: email, permissions: ["admin_profile:\(accountId)"],
            createdAt: now, updatedAt: now)
        let hash = try await options.passwordHasher.hash(password)
        try await store.createAccount(record, passwordHash: hash, contacts: contacts)
        logger.info("account created", metadata: ["gatehouse.account_id": "\(accountId)"])
        return Account(record)
    }

    /// The account with this username (case-insensitive), if any.
    public func findUser(username: String) async throws -> Account? {
        guard let canonical = try? AccountValidation.canonicalUsername(username) else { return nil }
        return try await store.account(username: canonical).map(Account.init)
    }

    /// The account with this id, if any.
    public func findUser(accountId: String) async throws -> Account? {
        try await store.account(id: accountId).map(Account.init)
    }

    /// Checks the password and creates a session. Unknown username and wrong password both give
    /// ``AccountError/Code/loginFailed`` after the same amount of work; a deactivated account gives
    /// ``AccountError/Code/userDeactivated`` (only to someone who knows the password); too many failures
    /// give ``AccountError/Code/tooManyAttempts``.
    public func userByPasswordLogin(username: String, password: String, request: SessionRequest) async throws -> LoginResult {
        let key = username.lowercased()
        let ip = request.requestIp ?? ""
        try throttle?.check(username: key, ip: ip)
        let normalized = AccountValidation.normalize(password)
        let canonical = try? AccountValidation.canonicalUsername(username)
        let record = if let canonical { try await store.account(username: canonical) } else { nil as AccountRecord? }
        let storedHash = if let record { try await store.passwordHash(accountId: record.accountId) } else { nil as String? }
        let hashToCheck = if let storedHash { storedHash } else { try await decoy() }
        let matches = try await options.passwordHasher.verify(normalized, against: hashToCheck)
        guard let record, storedHash != nil, matches else {
            throttle?.recordFailure(username: key, ip: ip)
            SessionMetrics.failure(AccountError(.loginFailed))
            logger.info("login failed")
            throw AccountError(.loginFailed, "LOGIN_FAILED")
        }
        throttle?.recordSuccess(username: key, ip: ip)
        return try await sessions.upsertRefreshTokenAndSessionDocument(.insert(account: Account(record)), request: request)
    }

    /// Creates a session for a user authenticated elsewhere (no password check).
    public func pushCustomSession(username: String, request: SessionRequest) async throws -> LoginResult {
        guard let account = try await findUser(username: username) else {
            throw AccountError(.loginFailed, "LOGIN_FAILED")
        }
        return try await sessions.upsertRefreshTokenAndSessionDocument(.insert(account: account), request: request)
    }

    /// Sets a new password for an existing account (``AccountError/Code/userNotFound`` otherwise) and
    /// optionally ends its sessions.
    public func setPassword(accountId: String, newPassword: String, revoking revocation: SessionRevocation = .none) async throws {
        let password = try AccountValidation.normalizedPassword(newPassword)
        let hash = try await options.passwordHasher.hash(password)
        guard try await store.setPasswordHash(accountId: accountId, hash: hash, at: clock.now()) else {
            throw AccountError(.userNotFound, "User not found.")
        }
        switch revocation {
        case .none:
            break
        case .all:
            _ = try await store.revokeSessions(accountId: accountId, sessionId: nil, exceptSessionId: nil, reason: RevocationReason.passwordChanged, at: clock.now())
        case .allExcept(let sessionId):
            _ = try await store.revokeSessions(accountId: accountId, sessionId: nil, exceptSessionId: sessionId, reason: RevocationReason.passwordChanged, at: clock.now())
        }
        logger.info("password changed", metadata: ["gatehouse.account_id": "\(accountId)"])
    }

    /// Marks the account's e-mail contact verified (the caller has checked a token). Throws
    /// ``AccountError/Code/userNotFound`` when the account has no such address.
    public func verifyEmail(accountId: String, email: String) async throws -> ContactRecord {
        let canonical = (try? AccountValidation.canonicalEmail(email)) ?? email.lowercased()
        guard let contact = try await store.markContactVerified(accountId: accountId, kind: .email, value: canonical) else {
            throw AccountError(.userNotFound, "User not found.")
        }
        return contact
    }

    /// Deactivates an account and ends all its sessions at once.
    public func deactivateAccount(accountId: String) async throws {
        guard try await store.setDeactivated(accountId: accountId, true, at: clock.now()) else {
            throw AccountError(.userNotFound, "User not found.")
        }
        _ = try await store.revokeSessions(accountId: accountId, sessionId: nil, exceptSessionId: nil, reason: RevocationReason.deactivated, at: clock.now())
        logger.info("account deactivated", metadata: ["gatehouse.account_id": "\(accountId)"])
    }

    /// Lets a deactivated account log in again (its old sessions stay ended).
    public func reactivateAccount(accountId: String) async throws {
        guard try await store.setDeactivated(accountId: accountId, false, at: clock.now()) else {
            throw AccountError(.userNotFound, "User not found.")
        }
    }

    /// The account's sessions, oldest first; only the valid, unexpired ones unless `includeEnded`.
    public func sessions(ofAccount accountId: String, includeEnded: Bool = false) async throws -> [SessionDocument] {
        let now = clock.now()
        return try await store.sessions(accountId: accountId, includeInvalid: includeEnded)
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
