import Foundation
import Gatehouse

/// A ``DictionaryStore`` behind a wrapper with one deliberate flaw, to show that the conformance checks
/// catch it.
actor FlawedStore: GatehouseStore {
    enum Flaw: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Compare-and-swap that does not compare: every update of a valid session applies, whatever
        /// hash it expects.
        case ignoresExpectedHash
        /// A used token can be consumed again.
        case reusesTokens
        /// Ending one session ends every session of its account.
        case revokesEverySession
        /// A new session is stored without the history of its older secrets.
        case dropsRotationHistory
        /// A new session is stored under whatever epoch its account has now, not the one the login read:
        /// a login that started before the password changed still gets its session.
        case ignoresSessionEpoch
        /// Every attempt is reserved and counted, whatever its limits allow.
        case countsWithoutLimit
        /// A claim returns the due messages whether or not another courier holds them, and records no
        /// lease: two couriers deliver the same message.
        case claimsIgnoreLeases
        /// Every call throws, as a database that cannot be reached does.
        case unavailable

        var description: String { rawValue }
    }

    let flaw: Flaw
    private let inner = DictionaryStore()
    /// The tokens consumed so far, for ``Flaw/reusesTokens``.
    private var consumed: [OneTimeTokenRecord] = []

    init(_ flaw: Flaw) { self.flaw = flaw }

    /// Runs `body` on the inner store, or throws for ``Flaw/unavailable``.
    private func pass<Result>(_ body: () async throws -> Result) async throws -> Result {
        if flaw == .unavailable { throw AccountError.storeUnavailable(.timedOut) }
        return try await body()
    }

    func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        var session = session
        if flaw == .dropsRotationHistory { session.olderSecrets = [] }
        var epoch = epoch
        if flaw == .ignoresSessionEpoch, let account = try await inner.account(id: session.accountID) { epoch = account.sessionEpoch }
        try await pass { try await inner.insertSession(session, requiringAccountEpoch: epoch, audit: audit) }
    }

    func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        guard flaw == .countsWithoutLimit else { return try await pass { try await inner.reserveAttempt(under: limits, at: date) } }
        return try await inner.reserveAttempt(under: limits.map { ThrottleLimit(key: $0.key, limit: .max, window: $0.window) }, at: date)
    }

    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        guard flaw == .ignoresExpectedHash else { return try await pass { try await inner.updateSessions(updates) } }
        var results: [Bool] = []
        for var update in updates {
            if let current = try await inner.session(id: update.sessionID) {
                update.expectedCurrentHash = current.currentHash
            }
            results += try await inner.updateSessions([update])
        }
        return results
    }

    func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        if let token = try await pass({ try await inner.consumeToken(hash: hash, kind: kind, at: date) }) {
            consumed.append(token)
            return token
        }
        guard flaw == .reusesTokens else { return nil }
        return consumed.last { $0.hash == hash && $0.kind == kind }
    }

    func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage] {
        guard flaw == .claimsIgnoreLeases else {
            return try await pass { try await inner.claimMessages(channel: channel, limit: limit, leaseUntil: leaseUntil, at: date) }
        }
        return try await inner.messages(status: .pending, limit: .max)
            .filter { $0.channel == channel && $0.nextAttemptAt <= date }
            .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
            .prefix(max(0, limit))
            .map { message in
                var message = message
                message.leasedUntil = leaseUntil
                return message
            }
    }

    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        guard flaw == .revokesEverySession, case .session = scope else {
            return try await pass { try await inner.revokeSessions(scope, reason: reason, at: date, audit: audit) }
        }
        return try await inner.revokeSessions(.allSessions(accountID: scope.accountID), reason: reason, at: date, audit: audit)
    }

    // Everything else as the inner store does it.

    func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try await pass { try await inner.createAccount(account, passwordHash: passwordHash, contacts: contacts, audit: audit) }
    }

    func account(id: String) async throws -> AccountRecord? { try await pass { try await inner.account(id: id) } }
    func account(username: String) async throws -> AccountRecord? { try await pass { try await inner.account(username: username) } }
    func account(email: String) async throws -> AccountRecord? { try await pass { try await inner.account(email: email) } }
    func passwordHash(accountID: String) async throws -> String? { try await pass { try await inner.passwordHash(accountID: accountID) } }

    func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.setPasswordHash(accountID: accountID, hash: hash, at: date, audit: audit) }
    }

    func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.setDeactivated(accountID: accountID, deactivated, at: date, audit: audit) }
    }

    func contacts(accountID: String) async throws -> [ContactRecord] { try await pass { try await inner.contacts(accountID: accountID) } }

    func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord? {
        try await pass { try await inner.markContactVerified(accountID: accountID, kind: kind, value: value, audit: audit) }
    }

    func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.recordAuthentication(sessionID: sessionID, methods: methods, at: date, audit: audit) }
    }

    func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        try await pass { try await inner.accounts(limit: limit, offset: offset) }
    }

    func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.changePrimaryEmail(accountID: accountID, to: email, at: date, audit: audit) }
    }

    func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.deleteAccount(accountID: accountID, audit: audit) }
    }
    func session(id: String) async throws -> SessionRecord? { try await pass { try await inner.session(id: id) } }

    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        try await pass { try await inner.sessionWithAccount(id: id) }
    }

    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try await pass { try await inner.sessions(accountID: accountID, includeInvalid: includeInvalid) }
    }

    func deleteSessions(endedBefore date: Date) async throws -> Int { try await pass { try await inner.deleteSessions(endedBefore: date) } }

    func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws {
        try await pass { try await inner.insertToken(token, messages: messages) }
    }

    func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        try await pass { try await inner.deleteTokens(accountID: accountID, kind: kind) }
    }

    func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        try await pass { try await inner.tokens(accountID: accountID, kind: kind) }
    }

    func signingKeys() async throws -> [StoredSigningKey] { try await pass { try await inner.signingKeys() } }
    func insertSigningKey(_ key: StoredSigningKey, audit: AuditTrail) async throws {
        try await pass { try await inner.insertSigningKey(key, audit: audit) }
    }
    func retireSigningKey(kid: String, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.retireSigningKey(kid: kid, audit: audit) }
    }

    func recordAudit(_ trail: AuditTrail) async throws { try await pass { try await inner.recordAudit(trail) } }

    func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent] {
        try await pass { try await inner.auditEvents(accountID: accountID, since: date, before: before, limit: limit) }
    }

    func deleteAuditEvents(before date: Date) async throws -> Int { try await pass { try await inner.deleteAuditEvents(before: date) } }

    func releaseAttempt(keys: [String], at date: Date) async throws { try await pass { try await inner.releaseAttempt(keys: keys, at: date) } }

    func clearAttempts(keys: [String], prefixes: [String]) async throws {
        try await pass { try await inner.clearAttempts(keys: keys, prefixes: prefixes) }
    }

    func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        try await pass { try await inner.recordTrustedAddress(address, account: account, at: date) }
    }

    func forgetTrustedAddresses(account: String) async throws {
        try await pass { try await inner.forgetTrustedAddresses(account: account) }
    }

    func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        try await pass { try await inner.isTrustedAddress(address, account: account, since: date) }
    }

    func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        try await pass { try await inner.deleteThrottleState(endedBefore: date) }
    }

    func enqueue(_ messages: [OutboxMessage]) async throws { try await pass { try await inner.enqueue(messages) } }
    func markSent(id: String, at date: Date) async throws { try await pass { try await inner.markSent(id: id, at: date) } }

    func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        try await pass { try await inner.markForRetry(id: id, attempts: attempts, nextAttemptAt: nextAttemptAt, error: error) }
    }

    func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws {
        try await pass { try await inner.markFailed(id: id, attempts: attempts, error: error, at: date) }
    }

    func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage] {
        try await pass { try await inner.messages(status: status, limit: limit) }
    }

    func message(id: String) async throws -> OutboxMessage? { try await pass { try await inner.message(id: id) } }
    func retryMessage(id: String, at date: Date) async throws -> Bool { try await pass { try await inner.retryMessage(id: id, at: date) } }

    func deleteMessages(endedBefore date: Date) async throws -> Int {
        try await pass { try await inner.deleteMessages(endedBefore: date) }
    }

    func identity(issuer: String, subject: String) async throws -> IdentityRecord? {
        try await pass { try await inner.identity(issuer: issuer, subject: subject) }
    }

    func identities(accountID: String) async throws -> [IdentityRecord] { try await pass { try await inner.identities(accountID: accountID) } }

    func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try await pass { try await inner.createAccount(account, identity: identity, contacts: contacts, audit: audit) }
    }

    func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.linkIdentity(identity, audit: audit) }
    }

    func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await pass { try await inner.unlinkIdentity(id: id, accountID: accountID, audit: audit) }
    }

    func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool {
        try await pass { try await inner.setProviderTokens(sealed, identityID: identityID, at: date) }
    }

    func providerTokens(identityID: String) async throws -> [UInt8]? { try await pass { try await inner.providerTokens(identityID: identityID) } }

    func totpFactor(accountID: String) async throws -> TOTPFactorRecord? { try await pass { try await inner.totpFactor(accountID: accountID) } }
    func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool { try await pass { try await inner.beginTOTPEnrolment(factor) } }

    func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool {
        try await pass {
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

    func useTOTPStep(accountID: String, step: Int64) async throws -> Bool {
        try await pass { try await inner.useTOTPStep(accountID: accountID, step: step) }
    }

    func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.useRecoveryCode(accountID: accountID, hash: hash, at: date, audit: audit) }
    }

    func unusedRecoveryCodeCount(accountID: String) async throws -> Int {
        try await pass { try await inner.unusedRecoveryCodeCount(accountID: accountID) }
    }

    func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.deleteTOTP(accountID: accountID, audit: audit) }
    }

    func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws {
        try await pass { try await inner.insertPasskeyChallenge(challenge) }
    }

    func consumePasskeyChallenge(hash: [UInt8], purpose: PasskeyChallengeRecord.Purpose, at date: Date) async throws -> PasskeyChallengeRecord? {
        try await pass { try await inner.consumePasskeyChallenge(hash: hash, purpose: purpose, at: date) }
    }

    func passkeys(accountID: String) async throws -> [PasskeyRecord] { try await pass { try await inner.passkeys(accountID: accountID) } }
    func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord? { try await pass { try await inner.passkey(credentialID: credentialID) } }

    func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool {
        try await pass { try await inner.insertPasskey(passkey, audit: audit) }
    }

    func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool {
        try await pass { try await inner.usePasskey(id: id, signCount: signCount, at: date) }
    }

    func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try await pass { try await inner.deletePasskey(id: id, accountID: accountID, audit: audit) }
    }
}
