import Foundation
import Gatehouse
import Synchronization

/// A store that forwards to a real one until told to fail: unreachable, crashing with an unexpected
/// error, or losing accounts while their sessions remain.
final class FaultyStore: AccountStore, SessionStore, TokenStore, ThrottleStore, AuditStore, IdentityStore, SecondFactorStore, PasskeyStore {
    enum Fault: Sendable {
        case none
        case unavailable
        case unexpected
        case accountsVanished
    }

    /// An error the HTTP layer knows nothing about; its text must never reach a client.
    struct InternalFailure: Error, CustomStringConvertible {
        var description: String { "disk I/O error at /var/lib/secret-path (row alice@example.com)" }
    }

    let inner: any AccountStore & SessionStore & TokenStore & ThrottleStore & AuditStore & IdentityStore & SecondFactorStore & PasskeyStore
    private let fault = Mutex(Fault.none)

    init(_ inner: any AccountStore & SessionStore & TokenStore & ThrottleStore & AuditStore & IdentityStore & SecondFactorStore & PasskeyStore) {
        self.inner = inner
    }

    func fail(_ newFault: Fault) {
        fault.withLock { $0 = newFault }
    }

    private func check() throws {
        switch fault.withLock({ $0 }) {
        case .unavailable: throw AccountError.storeUnavailable()
        case .unexpected: throw InternalFailure()
        case .none, .accountsVanished: break
        }
    }

    func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try check()
        try await inner.createAccount(account, passwordHash: passwordHash, contacts: contacts, audit: audit)
    }

    func account(id: String) async throws -> AccountRecord? {
        try check()
        return try await inner.account(id: id)
    }

    func account(username: String) async throws -> AccountRecord? {
        try check()
        return try await inner.account(username: username)
    }

    func account(email: String) async throws -> AccountRecord? {
        try check()
        return try await inner.account(email: email)
    }

    func passwordHash(accountID: String) async throws -> String? {
        try check()
        return try await inner.passwordHash(accountID: accountID)
    }

    func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.setPasswordHash(accountID: accountID, hash: hash, at: date, audit: audit)
    }

    func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.setDeactivated(accountID: accountID, deactivated, at: date, audit: audit)
    }

    func contacts(accountID: String) async throws -> [ContactRecord] {
        try check()
        return try await inner.contacts(accountID: accountID)
    }

    func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord? {
        try check()
        return try await inner.markContactVerified(accountID: accountID, kind: kind, value: value, audit: audit)
    }

    func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        try check()
        return try await inner.accounts(limit: limit, offset: offset)
    }

    func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.changePrimaryEmail(accountID: accountID, to: email, at: date, audit: audit)
    }

    func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.deleteAccount(accountID: accountID, audit: audit)
    }

    func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try check()
        try await inner.insertSession(session, requiringAccountEpoch: epoch, audit: audit)
    }

    func session(id: String) async throws -> SessionRecord? {
        try check()
        return try await inner.session(id: id)
    }

    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        try check()
        guard let found = try await inner.sessionWithAccount(id: id) else { return nil }
        if fault.withLock({ $0 }) == .accountsVanished { return (found.session, nil) }
        return found
    }

    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        try check()
        return try await inner.updateSessions(updates)
    }

    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try check()
        return try await inner.revokeSessions(scope, reason: reason, at: date, audit: audit)
    }

    func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.recordAuthentication(sessionID: sessionID, methods: methods, at: date, audit: audit)
    }

    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try check()
        return try await inner.sessions(accountID: accountID, includeInvalid: includeInvalid)
    }

    func deleteSessions(endedBefore date: Date) async throws -> Int {
        try check()
        return try await inner.deleteSessions(endedBefore: date)
    }

    func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws {
        try check()
        try await inner.insertToken(token, messages: messages)
    }

    func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        try check()
        return try await inner.consumeToken(hash: hash, kind: kind, at: date)
    }

    func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        try check()
        return try await inner.deleteTokens(accountID: accountID, kind: kind)
    }

    func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        try check()
        return try await inner.tokens(accountID: accountID, kind: kind)
    }

    // MARK: ThrottleStore

    func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        try check()
        return try await inner.reserveAttempt(under: limits, at: date)
    }

    func releaseAttempt(keys: [String], at date: Date) async throws {
        try check()
        try await inner.releaseAttempt(keys: keys, at: date)
    }

    func clearAttempts(keys: [String], prefixes: [String]) async throws {
        try check()
        try await inner.clearAttempts(keys: keys, prefixes: prefixes)
    }

    func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        try check()
        try await inner.recordTrustedAddress(address, account: account, at: date)
    }

    func forgetTrustedAddresses(account: String) async throws {
        try check()
        try await inner.forgetTrustedAddresses(account: account)
    }

    func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        try check()
        return try await inner.isTrustedAddress(address, account: account, since: date)
    }

    func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        try check()
        return try await inner.deleteThrottleState(endedBefore: date)
    }

    func recordAudit(_ trail: AuditTrail) async throws {
        try check()
        try await inner.recordAudit(trail)
    }

    func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent] {
        try check()
        return try await inner.auditEvents(accountID: accountID, since: date, before: before, limit: limit)
    }

    func deleteAuditEvents(before date: Date) async throws -> Int {
        try check()
        return try await inner.deleteAuditEvents(before: date)
    }

    func identity(issuer: String, subject: String) async throws -> IdentityRecord? {
        try check()
        return try await inner.identity(issuer: issuer, subject: subject)
    }

    func identities(accountID: String) async throws -> [IdentityRecord] {
        try check()
        return try await inner.identities(accountID: accountID)
    }

    func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try check()
        try await inner.createAccount(account, identity: identity, contacts: contacts, audit: audit)
    }

    func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.linkIdentity(identity, audit: audit)
    }

    func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try check()
        return try await inner.unlinkIdentity(id: id, accountID: accountID, audit: audit)
    }

    func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool {
        try check()
        return try await inner.setProviderTokens(sealed, identityID: identityID, at: date)
    }

    func providerTokens(identityID: String) async throws -> [UInt8]? {
        try check()
        return try await inner.providerTokens(identityID: identityID)
    }

    // MARK: SecondFactorStore

    func totpFactor(accountID: String) async throws -> TOTPFactorRecord? {
        try check()
        return try await inner.totpFactor(accountID: accountID)
    }

    func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool {
        try check()
        return try await inner.beginTOTPEnrolment(factor)
    }

    func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool {
        try check()
        return try await inner.confirmTOTP(
            accountID: accountID,
            createdAt: createdAt,
            step: step,
            recoveryCodeHashes: recoveryCodeHashes,
            at: date,
            audit: audit
        )
    }

    func useTOTPStep(accountID: String, step: Int64) async throws -> Bool {
        try check()
        return try await inner.useTOTPStep(accountID: accountID, step: step)
    }

    func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.useRecoveryCode(accountID: accountID, hash: hash, at: date, audit: audit)
    }

    func unusedRecoveryCodeCount(accountID: String) async throws -> Int {
        try check()
        return try await inner.unusedRecoveryCodeCount(accountID: accountID)
    }

    func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.deleteTOTP(accountID: accountID, audit: audit)
    }

    // MARK: PasskeyStore

    func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws {
        try check()
        try await inner.insertPasskeyChallenge(challenge)
    }

    func consumePasskeyChallenge(hash: [UInt8], purpose: PasskeyChallengeRecord.Purpose, at date: Date) async throws -> PasskeyChallengeRecord? {
        try check()
        return try await inner.consumePasskeyChallenge(hash: hash, purpose: purpose, at: date)
    }

    func passkeys(accountID: String) async throws -> [PasskeyRecord] {
        try check()
        return try await inner.passkeys(accountID: accountID)
    }

    func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord? {
        try check()
        return try await inner.passkey(credentialID: credentialID)
    }

    func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool {
        try check()
        return try await inner.insertPasskey(passkey, audit: audit)
    }

    func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool {
        try check()
        return try await inner.usePasskey(id: id, signCount: signCount, at: date)
    }

    func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try check()
        return try await inner.deletePasskey(id: id, accountID: accountID, audit: audit)
    }
}
