import Gatehouse
import Logging
import Metrics
import ServiceLifecycle

import struct Foundation.Date

/// A `GatehouseStore` that times every operation of another store, in
/// `gatehouse_store_operation_duration_seconds{operation}` through swift-metrics.
///
/// The server wraps its store in one when metrics are on. Response times alone say that requests got
/// slower, not why; per-operation timings tell a slow session lookup (paid on every request) from a
/// slow rotation write, a throttle reservation that waits on a lock, or an outbox claim — and they
/// come from the same place for SQLite, PostgreSQL or a third-party store.
///
/// Every call goes to the wrapped store with the same arguments, and its result, or the very error it
/// threw, comes back unchanged: the operations keep their semantics, transactions and errors, and
/// the decorator passes the same conformance checks as the store it wraps. A call is timed whether it
/// returns or throws, so a store that fails slowly (a lock timeout, say) shows up too.
/// ``migrate()`` and ``backgroundServices(logger:)`` go to the wrapped store and are not timed: they
/// run once, not per request.
///
/// Each operation's timer is made once, by the initialiser, from the factory it is given or else from
/// the process-wide `MetricsSystem`. Create the decorator after `MetricsSystem.bootstrap(_:)`: one
/// created before keeps reporting to the backend that was in place then (the no-op one).
///
/// ```swift
/// MetricsSystem.bootstrap(prometheus)
/// let store = InstrumentedStore(try SQLiteStore(path: path))
/// ```
///
/// Code that needs the concrete store — an `SQLiteStore`'s file or durability, say — finds it in
/// ``inner``: a cast of the decorator itself to a store type fails.
public struct InstrumentedStore: GatehouseStore {
    /// The label of the timers: one timer per ``Operation``, told apart by its `operation` dimension.
    public static let durationLabel = "gatehouse_store_operation_duration_seconds"

    /// A store operation, as named in the `operation` dimension: the requirement's name in snake_case,
    /// with the argument label where the name alone is ambiguous (`account_by_username`). The names are
    /// stable: dashboards and alerts select on them.
    public enum Operation: String, CaseIterable, Sendable {
        // AccountStore
        case createAccount = "create_account"
        case accountByID = "account_by_id"
        case accountByUsername = "account_by_username"
        case accountByEmail = "account_by_email"
        case passwordHash = "password_hash"
        case setPasswordHash = "set_password_hash"
        case setDeactivated = "set_deactivated"
        case contacts = "contacts"
        case markContactVerified = "mark_contact_verified"
        case accounts = "accounts"
        case changePrimaryEmail = "change_primary_email"
        case deleteAccount = "delete_account"
        // SessionStore
        case insertSession = "insert_session"
        case session = "session"
        case sessionWithAccount = "session_with_account"
        case updateSessions = "update_sessions"
        case revokeSessions = "revoke_sessions"
        case recordAuthentication = "record_authentication"
        case sessions = "sessions"
        case deleteSessions = "delete_sessions"
        // TokenStore
        case insertToken = "insert_token"
        case consumeToken = "consume_token"
        case deleteTokens = "delete_tokens"
        case tokens = "tokens"
        // SigningKeyStore
        case signingKeys = "signing_keys"
        case insertSigningKey = "insert_signing_key"
        case retireSigningKey = "retire_signing_key"
        // ThrottleStore
        case reserveAttempt = "reserve_attempt"
        case releaseAttempt = "release_attempt"
        case clearAttempts = "clear_attempts"
        case recordTrustedAddress = "record_trusted_address"
        case forgetTrustedAddresses = "forget_trusted_addresses"
        case isTrustedAddress = "is_trusted_address"
        case deleteThrottleState = "delete_throttle_state"
        // OutboxStore
        case enqueue = "enqueue"
        case claimMessages = "claim_messages"
        case markSent = "mark_sent"
        case markForRetry = "mark_for_retry"
        case markFailed = "mark_failed"
        case messages = "messages"
        case message = "message"
        case retryMessage = "retry_message"
        case deleteMessages = "delete_messages"
        // AuditStore
        case recordAudit = "record_audit"
        case auditEvents = "audit_events"
        case deleteAuditEvents = "delete_audit_events"
        // IdentityStore
        case identity = "identity"
        case identities = "identities"
        case createAccountWithIdentity = "create_account_with_identity"
        case linkIdentity = "link_identity"
        case unlinkIdentity = "unlink_identity"
        case setProviderTokens = "set_provider_tokens"
        case providerTokens = "provider_tokens"
        // SecondFactorStore
        case totpFactor = "totp_factor"
        case beginTOTPEnrolment = "begin_totp_enrolment"
        case confirmTOTP = "confirm_totp"
        case useTOTPStep = "use_totp_step"
        case useRecoveryCode = "use_recovery_code"
        case unusedRecoveryCodeCount = "unused_recovery_code_count"
        case deleteTOTP = "delete_totp"
        // PasskeyStore
        case insertPasskeyChallenge = "insert_passkey_challenge"
        case consumePasskeyChallenge = "consume_passkey_challenge"
        case passkeys = "passkeys"
        case passkey = "passkey"
        case insertPasskey = "insert_passkey"
        case usePasskey = "use_passkey"
        case deletePasskey = "delete_passkey"
    }

    /// The store every call goes to.
    public let inner: any GatehouseStore
    private let timers: [Operation: Metrics.Timer]

    /// A decorator timing `inner`'s operations with timers made by `metricsFactory` (the process-wide
    /// `MetricsSystem` when `nil`, which must then be bootstrapped already).
    public init(_ inner: any GatehouseStore, metricsFactory: (any MetricsFactory)? = nil) {
        self.inner = inner
        let factory = metricsFactory ?? MetricsSystem.factory
        // Made here rather than per call: a backend registers a timer with dimensions under a lock.
        self.timers = Dictionary(
            uniqueKeysWithValues: Operation.allCases.map { operation in
                let timer = Metrics.Timer(
                    label: Self.durationLabel,
                    dimensions: [("operation", operation.rawValue)],
                    preferredDisplayUnit: .seconds,
                    factory: factory
                )
                return (operation, timer)
            }
        )
    }

    private func timed<Result>(_ operation: Operation, _ body: () async throws -> Result) async throws -> Result {
        let start = ContinuousClock.now
        defer {
            let (seconds, attoseconds) = start.duration(to: .now).components
            timers[operation]?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        return try await body()
    }

    // MARK: GatehouseStore

    /// Migrates the wrapped store.
    public func migrate() async throws {
        try await inner.migrate()
    }

    /// The wrapped store's services.
    public func backgroundServices(logger: Logger) -> [any Service] {
        inner.backgroundServices(logger: logger)
    }

    // MARK: AccountStore

    public func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try await timed(.createAccount) { try await inner.createAccount(account, passwordHash: passwordHash, contacts: contacts, audit: audit) }
    }

    public func account(id: String) async throws -> AccountRecord? {
        try await timed(.accountByID) { try await inner.account(id: id) }
    }

    public func account(username: String) async throws -> AccountRecord? {
        try await timed(.accountByUsername) { try await inner.account(username: username) }
    }

    public func account(email: String) async throws -> AccountRecord? {
        try await timed(.accountByEmail) { try await inner.account(email: email) }
    }

    public func passwordHash(accountID: String) async throws -> String? {
        try await timed(.passwordHash) { try await inner.passwordHash(accountID: accountID) }
    }

    public func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await timed(.setPasswordHash) { try await inner.setPasswordHash(accountID: accountID, hash: hash, at: date, audit: audit) }
    }

    public func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await timed(.setDeactivated) { try await inner.setDeactivated(accountID: accountID, deactivated, at: date, audit: audit) }
    }

    public func contacts(accountID: String) async throws -> [ContactRecord] {
        try await timed(.contacts) { try await inner.contacts(accountID: accountID) }
    }

    public func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord? {
        try await timed(.markContactVerified) { try await inner.markContactVerified(accountID: accountID, kind: kind, value: value, audit: audit) }
    }

    public func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        try await timed(.accounts) { try await inner.accounts(limit: limit, offset: offset) }
    }

    public func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await timed(.changePrimaryEmail) { try await inner.changePrimaryEmail(accountID: accountID, to: email, at: date, audit: audit) }
    }

    public func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await timed(.deleteAccount) { try await inner.deleteAccount(accountID: accountID, audit: audit) }
    }

    // MARK: SessionStore

    public func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try await timed(.insertSession) { try await inner.insertSession(session, requiringAccountEpoch: epoch, audit: audit) }
    }

    public func session(id: String) async throws -> SessionRecord? {
        try await timed(.session) { try await inner.session(id: id) }
    }

    public func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        try await timed(.sessionWithAccount) { try await inner.sessionWithAccount(id: id) }
    }

    public func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        try await timed(.updateSessions) { try await inner.updateSessions(updates) }
    }

    public func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try await timed(.revokeSessions) { try await inner.revokeSessions(scope, reason: reason, at: date, audit: audit) }
    }

    public func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await timed(.recordAuthentication) {
            try await inner.recordAuthentication(sessionID: sessionID, methods: methods, at: date, audit: audit)
        }
    }

    public func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try await timed(.sessions) { try await inner.sessions(accountID: accountID, includeInvalid: includeInvalid) }
    }

    public func deleteSessions(endedBefore date: Date) async throws -> Int {
        try await timed(.deleteSessions) { try await inner.deleteSessions(endedBefore: date) }
    }

    // MARK: TokenStore

    public func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws {
        try await timed(.insertToken) { try await inner.insertToken(token, messages: messages) }
    }

    public func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        try await timed(.consumeToken) { try await inner.consumeToken(hash: hash, kind: kind, at: date) }
    }

    public func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        try await timed(.deleteTokens) { try await inner.deleteTokens(accountID: accountID, kind: kind) }
    }

    public func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        try await timed(.tokens) { try await inner.tokens(accountID: accountID, kind: kind) }
    }

    // MARK: SigningKeyStore

    public func signingKeys() async throws -> [StoredSigningKey] {
        try await timed(.signingKeys) { try await inner.signingKeys() }
    }

    public func insertSigningKey(_ key: StoredSigningKey, audit: AuditTrail) async throws {
        try await timed(.insertSigningKey) { try await inner.insertSigningKey(key, audit: audit) }
    }

    public func retireSigningKey(kid: String, audit: AuditTrail) async throws -> Bool {
        try await timed(.retireSigningKey) { try await inner.retireSigningKey(kid: kid, audit: audit) }
    }

    // MARK: ThrottleStore

    public func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        try await timed(.reserveAttempt) { try await inner.reserveAttempt(under: limits, at: date) }
    }

    public func releaseAttempt(keys: [String], at date: Date) async throws {
        try await timed(.releaseAttempt) { try await inner.releaseAttempt(keys: keys, at: date) }
    }

    public func clearAttempts(keys: [String], prefixes: [String]) async throws {
        try await timed(.clearAttempts) { try await inner.clearAttempts(keys: keys, prefixes: prefixes) }
    }

    public func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        try await timed(.recordTrustedAddress) { try await inner.recordTrustedAddress(address, account: account, at: date) }
    }

    public func forgetTrustedAddresses(account: String) async throws {
        try await timed(.forgetTrustedAddresses) { try await inner.forgetTrustedAddresses(account: account) }
    }

    public func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        try await timed(.isTrustedAddress) { try await inner.isTrustedAddress(address, account: account, since: date) }
    }

    public func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        try await timed(.deleteThrottleState) { try await inner.deleteThrottleState(endedBefore: date) }
    }

    // MARK: OutboxStore

    public func enqueue(_ messages: [OutboxMessage]) async throws {
        try await timed(.enqueue) { try await inner.enqueue(messages) }
    }

    public func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage] {
        try await timed(.claimMessages) { try await inner.claimMessages(channel: channel, limit: limit, leaseUntil: leaseUntil, at: date) }
    }

    public func markSent(id: String, at date: Date) async throws {
        try await timed(.markSent) { try await inner.markSent(id: id, at: date) }
    }

    public func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        try await timed(.markForRetry) { try await inner.markForRetry(id: id, attempts: attempts, nextAttemptAt: nextAttemptAt, error: error) }
    }

    public func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws {
        try await timed(.markFailed) { try await inner.markFailed(id: id, attempts: attempts, error: error, at: date) }
    }

    public func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage] {
        try await timed(.messages) { try await inner.messages(status: status, limit: limit) }
    }

    public func message(id: String) async throws -> OutboxMessage? {
        try await timed(.message) { try await inner.message(id: id) }
    }

    public func retryMessage(id: String, at date: Date) async throws -> Bool {
        try await timed(.retryMessage) { try await inner.retryMessage(id: id, at: date) }
    }

    public func deleteMessages(endedBefore date: Date) async throws -> Int {
        try await timed(.deleteMessages) { try await inner.deleteMessages(endedBefore: date) }
    }
}

extension InstrumentedStore {
    public func recordAudit(_ trail: AuditTrail) async throws {
        try await timed(.recordAudit) { try await inner.recordAudit(trail) }
    }

    public func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent] {
        try await timed(.auditEvents) { try await inner.auditEvents(accountID: accountID, since: date, before: before, limit: limit) }
    }

    public func deleteAuditEvents(before date: Date) async throws -> Int {
        try await timed(.deleteAuditEvents) { try await inner.deleteAuditEvents(before: date) }
    }
}

extension InstrumentedStore {
    public func identity(issuer: String, subject: String) async throws -> IdentityRecord? {
        try await timed(.identity) { try await inner.identity(issuer: issuer, subject: subject) }
    }

    public func identities(accountID: String) async throws -> [IdentityRecord] {
        try await timed(.identities) { try await inner.identities(accountID: accountID) }
    }

    public func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try await timed(.createAccountWithIdentity) { try await inner.createAccount(account, identity: identity, contacts: contacts, audit: audit) }
    }

    public func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool {
        try await timed(.linkIdentity) { try await inner.linkIdentity(identity, audit: audit) }
    }

    public func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await timed(.unlinkIdentity) { try await inner.unlinkIdentity(id: id, accountID: accountID, audit: audit) }
    }

    public func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool {
        try await timed(.setProviderTokens) { try await inner.setProviderTokens(sealed, identityID: identityID, at: date) }
    }

    public func providerTokens(identityID: String) async throws -> [UInt8]? {
        try await timed(.providerTokens) { try await inner.providerTokens(identityID: identityID) }
    }
}

extension InstrumentedStore {
    public func totpFactor(accountID: String) async throws -> TOTPFactorRecord? {
        try await timed(.totpFactor) { try await inner.totpFactor(accountID: accountID) }
    }

    public func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool {
        try await timed(.beginTOTPEnrolment) { try await inner.beginTOTPEnrolment(factor) }
    }

    public func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool {
        try await timed(.confirmTOTP) {
            try await inner.confirmTOTP(
                accountID: accountID,
                createdAt: createdAt,
                step: step,
                recoveryCodeHashes: recoveryCodeHashes,
                at: date,
                audit: audit
            )
        }
    }

    public func useTOTPStep(accountID: String, step: Int64) async throws -> Bool {
        try await timed(.useTOTPStep) { try await inner.useTOTPStep(accountID: accountID, step: step) }
    }

    public func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await timed(.useRecoveryCode) { try await inner.useRecoveryCode(accountID: accountID, hash: hash, at: date, audit: audit) }
    }

    public func unusedRecoveryCodeCount(accountID: String) async throws -> Int {
        try await timed(.unusedRecoveryCodeCount) { try await inner.unusedRecoveryCodeCount(accountID: accountID) }
    }

    public func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await timed(.deleteTOTP) { try await inner.deleteTOTP(accountID: accountID, audit: audit) }
    }
}

extension InstrumentedStore {
    public func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws {
        try await timed(.insertPasskeyChallenge) { try await inner.insertPasskeyChallenge(challenge) }
    }

    public func consumePasskeyChallenge(
        hash: [UInt8],
        purpose: PasskeyChallengeRecord.Purpose,
        at date: Date
    ) async throws -> PasskeyChallengeRecord? {
        try await timed(.consumePasskeyChallenge) { try await inner.consumePasskeyChallenge(hash: hash, purpose: purpose, at: date) }
    }

    public func passkeys(accountID: String) async throws -> [PasskeyRecord] {
        try await timed(.passkeys) { try await inner.passkeys(accountID: accountID) }
    }

    public func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord? {
        try await timed(.passkey) { try await inner.passkey(credentialID: credentialID) }
    }

    public func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool {
        try await timed(.insertPasskey) { try await inner.insertPasskey(passkey, audit: audit) }
    }

    public func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool {
        try await timed(.usePasskey) { try await inner.usePasskey(id: id, signCount: signCount, at: date) }
    }

    public func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await timed(.deletePasskey) { try await inner.deletePasskey(id: id, accountID: accountID, audit: audit) }
    }
}
