import struct Foundation.Date
import Logging
import Synchronization

/// Signed auth tokens bound to a stored session and a device, renewed as requests come in — the
/// `Sessions` class of the original, with rotation that detects stolen tokens.
///
/// ```swift
/// let sessions = Sessions(options: SessionsOptions(getTokenSecret: { _ in secret }), store: store)
/// let request = SessionRequest(authToken: token, requestIp: "203.0.113.7", userAgent: "curl/8")
/// try await sessions.handleRequest(request)   // request.user, request.authToken (renewed)
/// ```
public final class Sessions: Sendable {
    /// The configuration this instance runs with.
    public let options: SessionsOptions
    /// The hook chains (``SessionHooks/onRequest``, ``SessionHooks/onRefreshTokens``,
    /// ``SessionHooks/onUpsertSessionError``, ``SessionHooks/onTokenTheft``).
    public let hooks = SessionHooks()
    /// Where sessions are stored.
    public let store: any SessionStore

    package let rules: RotationRules
    private let secretSupplier: Mutex<(@Sendable (SessionRequest) async throws -> String)?>
    private let derivedKey = Mutex<(secret: String, key: SigningKey)?>(nil)

    public init(options: SessionsOptions, store: any SessionStore) {
        self.options = options
        self.store = store
        self.secretSupplier = Mutex(options.getTokenSecret)
        self.rules = RotationRules(gracePeriod: options.gracePeriod, renewal: options.renewal, activityResolution: options.activityResolution)
        // The session handler: nothing has been dispatched yet, so registration cannot fail.
        try! hooks.onRequest.push("sessionHandler") { [weak self] request, _ in
            _ = try await self?.trySetSession(request)
            return .next
        }
    }

    /// The original's secret supplier; replaceable at run time (every use reads the current value).
    /// Ignored when ``SessionsOptions/keyRing`` is set.
    public var getTokenSecret: (@Sendable (SessionRequest) async throws -> String)? {
        get { secretSupplier.withLock { $0 } }
        set { secretSupplier.withLock { $0 = newValue } }
    }

    // MARK: Requests

    /// Runs the ``SessionHooks/onRequest`` chain (which authenticates and renews) and returns the
    /// request it ends with. An invalid, expired or stolen token makes the call throw; a request without
    /// a token passes through untouched.
    @discardableResult
    public func handleRequest(_ request: SessionRequest) async throws -> SessionRequest {
        try await hooks.onRequest.dispatch(request, context: SessionHooksContext())
    }

    /// Authenticates and renews the request's token, if it has one; then runs
    /// ``SessionHooks/onRefreshTokens``. Returns `nil` for a request without a token.
    public func trySetSession(_ request: SessionRequest) async throws -> LoginResult? {
        guard let token = request.authToken, !token.isEmpty else { return nil }
        let result = try await refreshTokens(RefreshTokensInput(authToken: token, request: request))
        let event = try await hooks.onRefreshTokens.dispatch(RefreshTokensEvent(request: request, result: result), context: request)
        return event.result
    }

    /// Verifies `input.authToken` and renews it according to the rotation rules. Any failure passes
    /// through ``SessionHooks/onUpsertSessionError`` and the error that chain ends with is thrown —
    /// except failures of the caller's own `getTokenSecret`, which are rethrown as they are.
    public func refreshTokens(_ input: RefreshTokensInput) async throws -> LoginResult {
        do {
            let (verified, key) = try await verifyTokenAndKey(input.authToken, request: input.request, ignoringExpiry: false)
            return try await rotate(verified, verifiedWith: key, presentedToken: input.authToken, request: input.request, forceRenewal: input.forceRenewal)
        } catch let failure as SecretSupplierFailure {
            throw failure.underlying
        } catch {
            SessionMetrics.failure(error)
            options.logger.debug("session refresh failed", metadata: ["gatehouse.error": "\(error)"])
            throw try await hooks.onUpsertSessionError.dispatch(error, context: input.request)
        }
    }

    /// Creates a session for `account` (login) or renews the session of an already verified token,
    /// and puts the outcome on the request. Performs no verification of its own for `.insert`.
    public func upsertRefreshTokenAndSessionDocument(_ operation: SessionUpsert, request: SessionRequest) async throws -> LoginResult {
        do {
            switch operation {
            case .insert(let account):
                return try await insertSession(for: account, request: request)
            case .update(let verified, let presentedToken, let forceRenewal):
                return try await rotate(verified, verifiedWith: nil, presentedToken: presentedToken, request: request, forceRenewal: forceRenewal)
            }
        } catch let failure as SecretSupplierFailure {
            throw failure.underlying
        }
    }

    /// The request's IP address and user agent; a missing one is an error, an empty one is not.
    public func getConnectionInfo(_ request: SessionRequest) throws(AccountError) -> ConnectionInfo {
        guard let userAgent = request.userAgent else {
            throw AccountError(.invalidLocationInfoUserAgent, "Invalid ConnectionInformation in request: no user agent.")
        }
        guard let ip = request.requestIp else {
            throw AccountError(.invalidLocationInfoIP, "Invalid ConnectionInformation in request: no IP address.")
        }
        return ConnectionInfo(ip: ip, userAgent: userAgent)
    }

    /// Checks a token's signature and claims, with no store access.
    public func verifyToken(_ token: String, request: SessionRequest, ignoringExpiry: Bool = false) async throws -> VerifiedAuthToken {
        try await verifyTokenAndKey(token, request: request, ignoringExpiry: ignoringExpiry).token
    }

    /// ``verifyToken(_:request:ignoringExpiry:)`` and the key that verified the token, which the
    /// user-agent check of a rotation needs again.
    private func verifyTokenAndKey(_ token: String, request: SessionRequest, ignoringExpiry: Bool) async throws -> (token: VerifiedAuthToken, key: SigningKey) {
        let parsed = try options.codec.parse(token)
        let key = try await verificationKey(kid: parsed.kid, request: request)
        return (try options.codec.verify(parsed, with: key, now: unixSeconds(options.clock.now()), ignoringExpiry: ignoringExpiry), key)
    }

    // MARK: Keys

    package func signingKey(for request: SessionRequest) async throws -> SigningKey {
        if let ring = options.keyRing { return ring.signingKey }
        return try await keyFromSecretSupplier(request)
    }

    package func verificationKey(kid: String, request: SessionRequest) async throws -> SigningKey {
        if let ring = options.keyRing {
            guard let key = ring.key(kid: kid) else {
                throw AccountError(.tokenVerificationFailed, "Token verification failed: the token was signed with an unknown key.")
            }
            return key
        }
        guard kid == SigningKey.defaultKeyID else {
            throw AccountError(.tokenVerificationFailed, "Token verification failed: the token was signed with an unknown key.")
        }
        return try await keyFromSecretSupplier(request)
    }

    private func keyFromSecretSupplier(_ request: SessionRequest) async throws -> SigningKey {
        guard let supplier = getTokenSecret else {
            throw AccountError(.invalidConfiguration, "Sessions has neither a key ring nor getTokenSecret.")
        }
        let secret: String
        do {
            secret = try await supplier(request)
        } catch {
            throw SecretSupplierFailure(underlying: error)
        }
        if let cached = derivedKey.withLock({ $0 }), cached.secret == secret { return cached.key }
        let key = try SigningKey(kid: SigningKey.defaultKeyID, secret: secret)
        derivedKey.withLock { $0 = (secret, key) }
        return key
    }

    // MARK: Insert and rotate

    private func insertSession(for account: Account, request: SessionRequest) async throws -> LoginResult {
        let connection = try getConnectionInfo(request)
        guard !account.deactivated else { throw AccountError(.userDeactivated, "The account is deactivated.") }
        let now = options.clock.now()
        let secret = options.random.bytes(AuthTokenClaims.secretByteCount)
        let record = SessionRecord(
            id: Identifiers.ulid(at: now, random: options.random), accountId: account.accountId,
            currentHash: SecretDigest.sha256(secret), createdAt: now, lastUsedAt: now,
            expiresAt: now.addingTimeInterval(options.absoluteLifetime.seconds),
            ip: connection.ip, userAgent: connection.userAgent)
        // Sign before writing: a signing failure must not leave a session behind.
        let key = try await signingKey(for: request)
        let token = issueToken(for: record, secret: secret, key: key, connection: connection, now: now)
        do {
            try await store.insertSession(record)
        } catch let error as AccountError where error.code == .storeUnavailable || error.code == .userNotFound {
            throw error
        } catch {
            options.logger.error("session could not be created", metadata: ["gatehouse.account_id": "\(account.accountId)", "gatehouse.error": "\(error)"])
            throw AccountError(.authenticationFailed, "The session could not be created.")
        }
        let document = SessionDocument(record)
        request.authenticate(token: token, renewed: true, user: account, session: document)
        SessionMetrics.login()
        options.logger.info("session created", metadata: ["gatehouse.session_id": "\(record.id)", "gatehouse.account_id": "\(account.accountId)"])
        return LoginResult(authToken: token, sessionDocument: document, account: account, renewed: true)
    }

    private func rotate(_ verified: VerifiedAuthToken, verifiedWith knownKey: SigningKey?, presentedToken: String, request: SessionRequest, forceRenewal: Bool) async throws -> LoginResult {
        let connection = try getConnectionInfo(request)
        let claims = verified.claims
        // The user agent's keyed hash under the verifying key; a renewal signed with the same key
        // binds the same value, so it is computed once.
        var userAgentBinding: (kid: String, hash: String)?
        if options.bindUserAgent {
            let key: SigningKey
            if let knownKey, knownKey.kid == verified.kid {
                key = knownKey
            } else {
                key = try await verificationKey(kid: verified.kid, request: request)
            }
            let expected = options.codec.userAgentHash(connection.userAgent, key: key)
            guard let bound = claims.userAgentHash, SecretDigest.constantTimeEquals(bound, expected) else {
                throw AccountError(.invalidSession, "The user agent changed since the token was issued.")
            }
            userAgentBinding = (key.kid, expected)
        }
        let presentedHash = SecretDigest.sha256(claims.secret)

        // A compare-and-swap that loses to a concurrent rotation is retried on a fresh read, where the
        // presented token is now "previous" and falls under the grace rule.
        for _ in 0..<4 {
            guard let (session, accountRecord) = try await store.sessionWithAccount(id: claims.sessionId) else {
                throw AccountError(.sessionNotFound, "The session does not exist.")
            }
            guard session.accountId == claims.accountId else {
                throw AccountError(.tokenVerificationFailed, "Token verification failed: the session belongs to another account.")
            }
            guard let accountRecord else { throw AccountError(.userNotFound, "The account does not exist.") }
            guard session.valid else { throw AccountError(.invalidSession, "The session is no longer valid.") }
            guard !accountRecord.deactivated else { throw AccountError(.userDeactivated, "The account is deactivated.") }
            let now = options.clock.now()
            try checkLifetime(of: session, now: now)

            let newSecret = options.random.bytes(AuthTokenClaims.secretByteCount)
            let decision = rules.decide(
                session: session, presentedHash: presentedHash, tokenIssuedAt: claims.issuedAt, now: now,
                newHash: SecretDigest.sha256(newSecret), forceRenewal: forceRenewal, connection: connection)
            let account = Account(accountRecord)
            switch decision {
            case .theft:
                try await revokeForTheft(session, request: request, now: now)
            case .accept(let touch):
                var record = session
                if let touch, try await store.updateSessions([touch]).first == true {
                    record = session.applying(touch)
                }
                let document = SessionDocument(record)
                request.authenticate(token: presentedToken, renewed: false, user: account, session: document)
                return LoginResult(authToken: presentedToken, sessionDocument: document, account: account, renewed: false)
            case .renew(let update):
                let key = try await signingKey(for: request)
                let record = session.applying(update)
                let token = issueToken(for: record, secret: newSecret, key: key, connection: connection, now: now, userAgentBinding: userAgentBinding)
                guard try await store.updateSessions([update]).first == true else { continue }
                let document = SessionDocument(record)
                request.authenticate(token: token, renewed: true, user: account, session: document)
                SessionMetrics.renewal()
                return LoginResult(authToken: token, sessionDocument: document, account: account, renewed: true)
            }
        }
        throw AccountError(.invalidSession, "The session kept changing while it was being renewed; try again.")
    }

    private func checkLifetime(of session: SessionRecord, now: Date) throws(AccountError) {
        guard now < session.expiresAt else {
            throw AccountError(.sessionExpired, "The session reached its maximum lifetime.")
        }
        if let idle = options.idleTimeout, now.timeIntervalSince(session.lastUsedAt) >= idle.seconds {
            throw AccountError(.sessionExpired, "The session was idle for too long.")
        }
    }

    private func issueToken(for session: SessionRecord, secret: [UInt8], key: SigningKey, connection: ConnectionInfo, now: Date, userAgentBinding: (kid: String, hash: String)? = nil) -> String {
        let issuedAt = unixSeconds(now)
        // Not capped at the session's end: past it the session check answers `SessionExpired`, which
        // tells the client more than an expired token would.
        let expiresAt = issuedAt + Int64(options.tokenDuration.seconds)
        var userAgentHash: String?
        if options.bindUserAgent {
            if let userAgentBinding, userAgentBinding.kid == key.kid {
                userAgentHash = userAgentBinding.hash
            } else {
                userAgentHash = options.codec.userAgentHash(connection.userAgent, key: key)
            }
        }
        let claims = AuthTokenClaims(
            sessionId: session.id, accountId: session.accountId, issuedAt: issuedAt, expiresAt: expiresAt, secret: secret,
            userAgentHash: userAgentHash)
        return options.codec.sign(claims, with: key)
    }

    private func revokeForTheft(_ session: SessionRecord, request: SessionRequest, now: Date) async throws -> Never {
        _ = try await store.revokeSessions(accountId: session.accountId, sessionId: session.id, exceptSessionId: nil, reason: RevocationReason.tokenTheft, at: now)
        SessionMetrics.theftDetected()
        options.logger.warning("token theft detected; session revoked", metadata: [
            "gatehouse.session_id": "\(session.id)", "gatehouse.account_id": "\(session.accountId)",
        ])
        _ = try await hooks.onTokenTheft.dispatch(TokenTheftEvent(sessionId: session.id, accountId: session.accountId, detectedAt: now), context: request)
        throw AccountError(.tokenTheftDetected, "A superseded token was replayed; the session has been revoked.")
    }
}

/// The input of ``Sessions/refreshTokens(_:)``.
public struct RefreshTokensInput: Sendable {
    public var authToken: String
    public var request: SessionRequest
    /// Renew even when the renewal policy would not (an explicit refresh under an interval policy).
    public var forceRenewal: Bool

    public init(authToken: String, request: SessionRequest, forceRenewal: Bool = false) {
        self.authToken = authToken
        self.request = request
        self.forceRenewal = forceRenewal
    }
}

/// What ``Sessions/upsertRefreshTokenAndSessionDocument(_:request:)`` does.
public enum SessionUpsert: Sendable {
    /// Create a new session for the account (login).
    case insert(account: Account)
    /// Renew the session of a token that was already verified.
    case update(token: VerifiedAuthToken, presentedToken: String, forceRenewal: Bool = false)
}

/// Why a session was revoked (stored in ``SessionRecord/revokedReason``).
public enum RevocationReason {
    public static let logout = "logout"
    public static let tokenTheft = "token_theft"
    public static let passwordChanged = "password_changed"
    public static let deactivated = "deactivated"
    public static let administrator = "administrator"
}

/// Carries an error thrown by the caller's `getTokenSecret`, which is rethrown unchanged.
struct SecretSupplierFailure: Error {
    let underlying: any Error
}

package func unixSeconds(_ date: Date) -> Int64 {
    Int64(date.timeIntervalSince1970.rounded(.down))
}
