import Foundation
import Gatehouse

/// A store as a third party would write one, from the public API of `Gatehouse` alone: an actor
/// keeping every record in dictionaries. Being an actor, each call runs alone, which makes every call
/// one transaction: checks and writes of one call cannot interleave with another call's. Rotations that
/// take the commit time read the clock it is given.
actor DictionaryStore: GatehouseStore {
    private struct ContactKey: Hashable {
        var kind: ContactRecord.Kind
        var value: String
    }

    // Accounts.
    private var accountsByID: [String: AccountRecord] = [:]
    private var accountIDsInCreationOrder: [String] = []
    private var accountIDsByUsername: [String: String] = [:]
    private var passwordHashesByAccount: [String: String] = [:]
    private var contactsByAccount: [String: [ContactRecord]] = [:]
    private var contactOwners: [ContactKey: String] = [:]

    // Sessions, with the order they were inserted in to break ties between equal creation dates.
    private var sessionsByID: [String: SessionRecord] = [:]
    private var sessionInsertionNumbers: [String: Int] = [:]
    private var insertedSessions = 0

    // Tokens, kept in insertion order, with an index of their hashes.
    private var tokens: [OneTimeTokenRecord] = []
    private var tokenHashes: Set<[UInt8]> = []

    private var keys: [StoredSigningKey] = []

    // Outbox messages by id; listings and claims sort them.
    private var outbox: [String: OutboxMessage] = [:]

    // Audit events by id; listings sort them.
    private var auditEvents: [String: AuditEvent] = [:]

    // Identities by id, with an index of their (issuer, subject) and the order they were linked in.
    private struct IdentityKey: Hashable {
        var issuer: String
        var subject: String
    }
    private var identitiesByID: [String: IdentityRecord] = [:]
    private var identityOwners: [IdentityKey: String] = [:]
    private var identityLinkNumbers: [String: Int] = [:]
    private var linkedIdentities = 0
    // The sealed provider tokens, by identity id; they go with their identity.
    private var providerTokensByIdentity: [String: [UInt8]] = [:]

    // TOTP factors by account, and the digests of each account's recovery codes: the unused ones, and
    // the used ones with when they were used.
    private var totpFactorsByAccount: [String: TOTPFactorRecord] = [:]
    private var unusedRecoveryCodes: [String: Set<[UInt8]>] = [:]
    private var usedRecoveryCodes: [String: [[UInt8]: Date]] = [:]

    // Passkeys by id, with an index of their credential ids and the order they were registered in; the
    // challenges of passkey ceremonies by digest.
    private var passkeysByID: [String: PasskeyRecord] = [:]
    private var passkeyOwners: [[UInt8]: String] = [:]
    private var passkeyRegistrationNumbers: [String: Int] = [:]
    private var registeredPasskeys = 0
    private var passkeyChallenges: [[UInt8]: PasskeyChallengeRecord] = [:]

    // Throttles, keyed by the bytes of their keys: two keys are the same only when their bytes are.
    private struct Counter {
        var count: Int
        var windowEnd: Date
    }
    private struct TrustKey: Hashable {
        var account: [UInt8]
        var address: [UInt8]
    }
    private var counters: [[UInt8]: Counter] = [:]
    private var trustedAddresses: [TrustKey: Date] = [:]

    /// Where the commit time of a rotation comes from.
    private let clock: any WallClock

    init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
    }

    // MARK: AccountStore

    func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try insertAccount(account, passwordHash: passwordHash, contacts: contacts, identity: nil, audit: audit)
    }

    /// Checks every rule, then writes the account, its password hash (none when empty), its contacts
    /// and its identity, if any.
    private func insertAccount(
        _ account: AccountRecord,
        passwordHash: String,
        contacts: [ContactRecord],
        identity: IdentityRecord?,
        audit: AuditTrail
    ) throws {
        if accountIDsByUsername[account.username] != nil { throw AccountError.conflict(.usernameTaken) }
        if accountsByID[account.accountID] != nil { throw AccountError.conflict(.idTaken) }
        try checkNewIDs(audit)
        var newKeys: Set<ContactKey> = []
        for contact in contacts {
            let key = ContactKey(kind: contact.kind, value: contact.value)
            guard contactOwners[key] == nil, newKeys.insert(key).inserted else { throw AccountError.conflict(.contactTaken) }
        }
        if let identity { try checkNewIdentity(identity) }
        // Every rule holds: write it all.
        accountsByID[account.accountID] = account
        accountIDsInCreationOrder.append(account.accountID)
        accountIDsByUsername[account.username] = account.accountID
        if !passwordHash.isEmpty { passwordHashesByAccount[account.accountID] = passwordHash }
        contactsByAccount[account.accountID] = contacts
        for key in newKeys { contactOwners[key] = account.accountID }
        if var identity {
            identity.accountID = account.accountID
            link(identity)
        }
        write(audit)
    }

    func account(id: String) async throws -> AccountRecord? {
        accountsByID[id].map(withPrimaryContact)
    }

    func account(username: String) async throws -> AccountRecord? {
        accountIDsByUsername[username].flatMap { accountsByID[$0] }.map(withPrimaryContact)
    }

    func account(email: String) async throws -> AccountRecord? {
        contactOwners[ContactKey(kind: .email, value: email)].flatMap { accountsByID[$0] }.map(withPrimaryContact)
    }

    func passwordHash(accountID: String) async throws -> String? {
        passwordHashesByAccount[accountID].flatMap { $0.isEmpty ? nil : $0 }
    }

    func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        guard accountsByID[accountID] != nil else { return false }
        try checkNewIDs(audit)
        write(audit)
        passwordHashesByAccount[accountID] = hash
        accountsByID[accountID]?.updatedAt = date
        accountsByID[accountID]?.sessionEpoch += 1
        return true
    }

    func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool {
        guard accountsByID[accountID] != nil else { return false }
        try checkNewIDs(audit)
        write(audit)
        accountsByID[accountID]?.deactivated = deactivated
        accountsByID[accountID]?.updatedAt = date
        accountsByID[accountID]?.sessionEpoch += 1
        return true
    }

    func contacts(accountID: String) async throws -> [ContactRecord] {
        contactsByAccount[accountID] ?? []
    }

    func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord? {
        guard let index = contactsByAccount[accountID]?.firstIndex(where: { $0.kind == kind && $0.value == value }) else { return nil }
        try checkNewIDs(audit)
        write(audit)
        contactsByAccount[accountID]?[index].verified = true
        return contactsByAccount[accountID]?[index]
    }

    func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        guard limit > 0, offset < accountIDsInCreationOrder.count else { return [] }
        let page = accountIDsInCreationOrder[max(0, offset)...].prefix(limit)
        return page.compactMap { accountsByID[$0] }.map(withPrimaryContact)
    }

    func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        guard accountsByID[accountID] != nil else { return false }
        let key = ContactKey(kind: .email, value: email)
        if let owner = contactOwners[key], owner != accountID { throw AccountError.conflict(.contactTaken) }
        try checkNewIDs(audit)
        write(audit)
        // The old primary contact goes, and so does the account's other contact with this address.
        let replaced: (ContactRecord) -> Bool = { $0.isPrimary || ($0.kind == .email && $0.value == email) }
        var contacts = contactsByAccount[accountID] ?? []
        for contact in contacts where replaced(contact) {
            contactOwners[ContactKey(kind: contact.kind, value: contact.value)] = nil
        }
        contacts.removeAll(where: replaced)
        contacts.append(ContactRecord(accountID: accountID, kind: .email, value: email, verified: true, isPrimary: true, createdAt: date))
        contactsByAccount[accountID] = contacts
        contactOwners[key] = accountID
        accountsByID[accountID]?.email = email
        accountsByID[accountID]?.emailVerified = true
        accountsByID[accountID]?.updatedAt = date
        return true
    }

    func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool {
        guard accountsByID[accountID] != nil else { return false }
        try checkNewIDs(audit)
        guard let account = accountsByID.removeValue(forKey: accountID) else { return false }
        accountIDsInCreationOrder.removeAll { $0 == accountID }
        accountIDsByUsername[account.username] = nil
        passwordHashesByAccount[accountID] = nil
        for contact in contactsByAccount.removeValue(forKey: accountID) ?? [] {
            contactOwners[ContactKey(kind: contact.kind, value: contact.value)] = nil
        }
        for session in sessionsByID.values where session.accountID == accountID {
            sessionsByID[session.id] = nil
            sessionInsertionNumbers[session.id] = nil
        }
        for identity in identitiesByID.values where identity.accountID == accountID { unlink(identity) }
        totpFactorsByAccount[accountID] = nil
        unusedRecoveryCodes[accountID] = nil
        usedRecoveryCodes[accountID] = nil
        for passkey in passkeysByID.values where passkey.accountID == accountID { unregister(passkey) }
        passkeyChallenges = passkeyChallenges.filter { $0.value.accountID != accountID }
        for token in tokens where token.accountID == accountID { tokenHashes.remove(token.hash) }
        tokens.removeAll { $0.accountID == accountID }
        // A sent message carries no payload any more: it stays until it is swept.
        for message in outbox.values where message.accountID == accountID && message.status != .sent {
            outbox[message.id] = nil
        }
        write(audit)
        return true
    }

    /// The account with the e-mail and verification of its primary e-mail contact, which are the truth.
    private func withPrimaryContact(_ account: AccountRecord) -> AccountRecord {
        guard let primary = contactsByAccount[account.accountID]?.first(where: { $0.isPrimary && $0.kind == .email }) else { return account }
        var account = account
        account.email = primary.value
        account.emailVerified = primary.verified
        return account
    }

    // MARK: IdentityStore

    func identity(issuer: String, subject: String) async throws -> IdentityRecord? {
        identityOwners[IdentityKey(issuer: issuer, subject: subject)].flatMap { identitiesByID[$0] }
    }

    func identities(accountID: String) async throws -> [IdentityRecord] {
        identitiesByID.values
            .filter { $0.accountID == accountID }
            .sorted { ($0.createdAt, identityLinkNumbers[$0.id] ?? 0) < ($1.createdAt, identityLinkNumbers[$1.id] ?? 0) }
    }

    func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try insertAccount(account, passwordHash: "", contacts: contacts, identity: identity, audit: audit)
    }

    func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool {
        guard accountsByID[identity.accountID] != nil else { return false }
        try checkNewIdentity(identity)
        try checkNewIDs(audit)
        link(identity)
        write(audit)
        return true
    }

    func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        guard let identity = identitiesByID[id], identity.accountID == accountID else { return .notFound }
        guard hasOtherWayToLogIn(accountID, besidesIdentity: id) else { return .lastWayToLogIn }
        try checkNewIDs(audit)
        unlink(identity)
        write(audit)
        return .removed
    }

    func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool {
        guard identitiesByID[identityID] != nil else { return false }
        providerTokensByIdentity[identityID] = sealed
        return true
    }

    func providerTokens(identityID: String) async throws -> [UInt8]? {
        providerTokensByIdentity[identityID]
    }

    /// Throws a conflict when the identity is linked already, or its id is taken.
    private func checkNewIdentity(_ identity: IdentityRecord) throws {
        if identityOwners[IdentityKey(issuer: identity.issuer, subject: identity.subject)] != nil {
            throw AccountError.conflict(.identityTaken)
        }
        if identitiesByID[identity.id] != nil { throw AccountError.conflict(.idTaken) }
    }

    private func link(_ identity: IdentityRecord) {
        identitiesByID[identity.id] = identity
        identityOwners[IdentityKey(issuer: identity.issuer, subject: identity.subject)] = identity.id
        linkedIdentities += 1
        identityLinkNumbers[identity.id] = linkedIdentities
    }

    private func unlink(_ identity: IdentityRecord) {
        identitiesByID[identity.id] = nil
        identityOwners[IdentityKey(issuer: identity.issuer, subject: identity.subject)] = nil
        identityLinkNumbers[identity.id] = nil
        providerTokensByIdentity[identity.id] = nil
    }

    // MARK: SecondFactorStore

    func totpFactor(accountID: String) async throws -> TOTPFactorRecord? {
        totpFactorsByAccount[accountID]
    }

    func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool {
        guard accountsByID[factor.accountID] != nil else { return false }
        if let existing = totpFactorsByAccount[factor.accountID], existing.confirmedAt != nil { return false }
        var pending = factor
        pending.confirmedAt = nil
        totpFactorsByAccount[factor.accountID] = pending
        return true
    }

    func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool {
        // Dates compare as a database keeps them: in whole milliseconds.
        let millis: (Date) -> Double = { ($0.timeIntervalSince1970 * 1000).rounded() }
        guard var factor = totpFactorsByAccount[accountID], factor.confirmedAt == nil, millis(factor.createdAt) == millis(createdAt) else {
            return false
        }
        try checkNewIDs(audit)
        factor.confirmedAt = date
        factor.lastUsedStep = step
        totpFactorsByAccount[accountID] = factor
        unusedRecoveryCodes[accountID] = Set(recoveryCodeHashes)
        usedRecoveryCodes[accountID] = nil
        write(audit)
        return true
    }

    func useTOTPStep(accountID: String, step: Int64) async throws -> Bool {
        guard let factor = totpFactorsByAccount[accountID], factor.confirmedAt != nil, step > factor.lastUsedStep else { return false }
        totpFactorsByAccount[accountID]?.lastUsedStep = step
        return true
    }

    func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool {
        guard unusedRecoveryCodes[accountID]?.contains(hash) == true else { return false }
        try checkNewIDs(audit)
        unusedRecoveryCodes[accountID]?.remove(hash)
        usedRecoveryCodes[accountID, default: [:]][hash] = date
        write(audit)
        return true
    }

    func unusedRecoveryCodeCount(accountID: String) async throws -> Int {
        unusedRecoveryCodes[accountID]?.count ?? 0
    }

    func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool {
        let existed = totpFactorsByAccount[accountID] != nil
        if existed { try checkNewIDs(audit) }
        totpFactorsByAccount[accountID] = nil
        unusedRecoveryCodes[accountID] = nil
        usedRecoveryCodes[accountID] = nil
        if existed { write(audit) }
        return existed
    }

    // MARK: PasskeyStore

    func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws {
        if let accountID = challenge.accountID, accountsByID[accountID] == nil { throw AccountError.userNotFound }
        if passkeyChallenges[challenge.hash] != nil { throw AccountError.conflict(.idTaken) }
        passkeyChallenges = passkeyChallenges.filter { $0.value.expiresAt >= challenge.createdAt }
        passkeyChallenges[challenge.hash] = challenge
    }

    func consumePasskeyChallenge(hash: [UInt8], purpose: PasskeyChallengeRecord.Purpose, at date: Date) async throws -> PasskeyChallengeRecord? {
        guard let challenge = passkeyChallenges[hash], challenge.purpose == purpose else { return nil }
        passkeyChallenges[hash] = nil
        return challenge.expiresAt > date ? challenge : nil
    }

    func passkeys(accountID: String) async throws -> [PasskeyRecord] {
        passkeysByID.values.filter { $0.accountID == accountID }.sorted {
            ($0.createdAt, passkeyRegistrationNumbers[$0.id] ?? 0) < ($1.createdAt, passkeyRegistrationNumbers[$1.id] ?? 0)
        }
    }

    func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord? {
        passkeyOwners[credentialID].flatMap { passkeysByID[$0] }
    }

    func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool {
        guard accountsByID[passkey.accountID] != nil, passkeyOwners[passkey.credentialID] == nil, passkeysByID[passkey.id] == nil else {
            return false
        }
        try checkNewIDs(audit)
        passkeysByID[passkey.id] = passkey
        passkeyOwners[passkey.credentialID] = passkey.id
        registeredPasskeys += 1
        passkeyRegistrationNumbers[passkey.id] = registeredPasskeys
        write(audit)
        return true
    }

    func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool {
        guard let passkey = passkeysByID[id], passkey.acceptsSignCount(signCount) else { return false }
        passkeysByID[id]?.signCount = signCount
        passkeysByID[id]?.lastUsedAt = date
        return true
    }

    func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        guard let passkey = passkeysByID[id], passkey.accountID == accountID else { return .notFound }
        guard hasOtherWayToLogIn(accountID, passkey: id) else { return .lastWayToLogIn }
        try checkNewIDs(audit)
        unregister(passkey)
        write(audit)
        return .removed
    }

    private func hasOtherWayToLogIn(_ accountID: String, besidesIdentity identityID: String? = nil, passkey passkeyID: String? = nil) -> Bool {
        !(passwordHashesByAccount[accountID] ?? "").isEmpty
            || identitiesByID.values.contains { $0.accountID == accountID && $0.id != identityID }
            || passkeysByID.values.contains { $0.accountID == accountID && $0.id != passkeyID }
    }

    private func unregister(_ passkey: PasskeyRecord) {
        passkeysByID[passkey.id] = nil
        passkeyOwners[passkey.credentialID] = nil
        passkeyRegistrationNumbers[passkey.id] = nil
    }

    // MARK: SessionStore

    func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        if sessionsByID[session.id] != nil { throw AccountError.conflict(.idTaken) }
        guard let account = accountsByID[session.accountID] else { throw AccountError.userNotFound }
        if account.deactivated { throw AccountError.userDeactivated }
        if account.sessionEpoch != epoch { throw AccountError.conflict(.accountChanged) }
        try checkNewIDs(audit)
        write(audit)
        sessionsByID[session.id] = session
        insertedSessions += 1
        sessionInsertionNumbers[session.id] = insertedSessions
    }

    func session(id: String) async throws -> SessionRecord? {
        sessionsByID[id]
    }

    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        guard let session = sessionsByID[id] else { return nil }
        return (session, accountsByID[session.accountID].map(withPrimaryContact))
    }

    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        // One call is one transaction: its updates commit together, at one time.
        let commitTime = clock.now()
        var applied: [Bool] = []
        applied.reserveCapacity(updates.count)
        for update in updates {
            guard var session = sessionsByID[update.sessionID], session.valid, session.currentHash == update.expectedCurrentHash,
                update.expectedPreviousHash.map({ $0 == session.previousHash }) ?? true,
                !(update.requiresUnpresentedCurrent && session.currentPresented)
            else {
                applied.append(false)
                continue
            }
            session.currentHash = update.currentHash
            session.previousHash = update.previousHash
            session.rotatedAt = update.takesCommitTime ? commitTime : update.rotatedAt
            session.olderSecrets = update.olderSecrets
            session.currentPresented = update.currentPresented
            session.lastUsedAt = update.takesCommitTime ? commitTime : update.lastUsedAt
            session.ip = update.ip
            session.userAgent = update.userAgent
            sessionsByID[update.sessionID] = session
            applied.append(true)
        }
        return applied
    }

    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try checkNewIDs(audit)
        let ending: [String]
        switch scope {
        case .session(let id, let accountID):
            ending = sessionsByID[id].map { $0.accountID == accountID ? [id] : [] } ?? []
        case .allSessions(let accountID):
            ending = sessionsByID.values.filter { $0.accountID == accountID }.map(\.id)
        case .allSessionsExcept(let kept, let accountID):
            ending = sessionsByID.values.filter { $0.accountID == accountID && $0.id != kept }.map(\.id)
        }
        var revoked = 0
        for id in ending where sessionsByID[id]?.valid == true {
            sessionsByID[id]?.valid = false
            sessionsByID[id]?.revokedReason = reason
            revoked += 1
        }
        // Ending every session also stops the logins still in flight: they were started under the old epoch.
        if scope.onlySessionID == nil { accountsByID[scope.accountID]?.sessionEpoch += 1 }
        if revoked > 0 { write(audit) }
        return revoked
    }

    func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try checkNewIDs(audit)
        guard sessionsByID[sessionID]?.valid == true else { return false }
        sessionsByID[sessionID]?.authenticatedAt = date
        sessionsByID[sessionID]?.authenticationMethods = methods
        write(audit)
        return true
    }

    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        sessionsByID.values
            .filter { $0.accountID == accountID && (includeInvalid || $0.valid) }
            .sorted { ($0.createdAt, sessionInsertionNumbers[$0.id] ?? 0) < ($1.createdAt, sessionInsertionNumbers[$1.id] ?? 0) }
    }

    func deleteSessions(endedBefore date: Date) async throws -> Int {
        let ended = sessionsByID.values.filter { session in
            session.expiresAt < date || (!session.valid && session.lastUsedAt < date)
        }
        for session in ended {
            sessionsByID[session.id] = nil
            sessionInsertionNumbers[session.id] = nil
        }
        return ended.count
    }

    // MARK: TokenStore

    func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws {
        guard !tokenHashes.contains(token.hash), !tokens.contains(where: { $0.id == token.id }) else {
            throw AccountError.conflict(.idTaken)
        }
        guard accountsByID[token.accountID] != nil else { throw AccountError.userNotFound }
        try checkNewMessageIDs(messages)
        // Every rule holds: write the token and its messages.
        tokens.append(token)
        tokenHashes.insert(token.hash)
        for message in messages { outbox[message.id] = message }
    }

    func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        guard tokenHashes.contains(hash),
            let index = tokens.firstIndex(where: { $0.hash == hash && $0.kind == kind }),
            tokens[index].usedAt == nil, date < tokens[index].expiresAt
        else { return nil }
        tokens[index].usedAt = date
        return tokens[index]
    }

    func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        let doomed = tokens.filter { $0.accountID == accountID && $0.kind == kind }
        tokens.removeAll { $0.accountID == accountID && $0.kind == kind }
        for token in doomed { tokenHashes.remove(token.hash) }
        return doomed.count
    }

    func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        tokens.filter { $0.accountID == accountID && $0.kind == kind }
    }

    // MARK: SigningKeyStore

    func signingKeys() async throws -> [StoredSigningKey] {
        keys
    }

    func insertSigningKey(_ key: StoredSigningKey, audit: AuditTrail) async throws {
        if keys.contains(where: { $0.kid == key.kid }) { throw AccountError.conflict(.keyIDTaken) }
        try checkNewIDs(audit)
        write(audit)
        if key.isSigning {
            for index in keys.indices where keys[index].isSigning { keys[index].isSigning = false }
        }
        keys.append(key)
    }

    func retireSigningKey(kid: String, audit: AuditTrail) async throws -> Bool {
        guard let index = keys.firstIndex(where: { $0.kid == kid }), !keys[index].isSigning, !keys[index].retired else { return false }
        try checkNewIDs(audit)
        write(audit)
        keys[index].retired = true
        return true
    }

    // MARK: ThrottleStore

    func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        // Every limit is checked before any is counted: all or nothing.
        var longestWait: TimeInterval = 0
        for limit in limits {
            guard let counter = openCounter(limit.key, at: date), counter.count >= limit.limit else { continue }
            longestWait = max(longestWait, counter.windowEnd.timeIntervalSince(date))
        }
        if longestWait > 0 { return .refused(retryAfter: .milliseconds(Int64((longestWait * 1000).rounded(.up)))) }
        for limit in limits {
            let key = Array(limit.key.utf8)
            if var counter = openCounter(limit.key, at: date) {
                counter.count += 1
                counters[key] = counter
            } else {
                counters[key] = Counter(count: 1, windowEnd: date.addingTimeInterval(Self.seconds(limit.window)))
            }
        }
        return .reserved
    }

    func releaseAttempt(keys: [String], at date: Date) async throws {
        for key in keys.map({ Array($0.utf8) }) where (counters[key]?.count ?? 0) > 0 {
            counters[key]?.count -= 1
        }
    }

    func clearAttempts(keys: [String], prefixes: [String]) async throws {
        for key in keys { counters[Array(key.utf8)] = nil }
        let prefixBytes = prefixes.map { Array($0.utf8) }
        for key in counters.keys where prefixBytes.contains(where: { key.starts(with: $0) }) {
            counters[key] = nil
        }
    }

    func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        trustedAddresses[TrustKey(account: Array(account.utf8), address: Array(address.utf8))] = date
    }

    func forgetTrustedAddresses(account: String) async throws {
        let accountBytes = Array(account.utf8)
        for key in trustedAddresses.keys where key.account == accountBytes {
            trustedAddresses[key] = nil
        }
    }

    func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        guard let lastSeen = trustedAddresses[TrustKey(account: Array(account.utf8), address: Array(address.utf8))] else { return false }
        return lastSeen >= date
    }

    func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        let endedCounters = counters.filter { $0.value.windowEnd < date }.map(\.key)
        let staleAddresses = trustedAddresses.filter { $0.value < date }.map(\.key)
        for key in endedCounters { counters[key] = nil }
        for key in staleAddresses { trustedAddresses[key] = nil }
        return endedCounters.count + staleAddresses.count
    }

    // MARK: AuditStore

    func recordAudit(_ trail: AuditTrail) async throws {
        try checkNewIDs(trail)
        write(trail)
    }

    func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent] {
        let matching = auditEvents.values.filter { event in
            if let accountID, event.accountID != accountID { return false }
            if let date, event.occurredAt < date { return false }
            if let before, event.id >= before { return false }
            return true
        }
        return Array(matching.sorted { $0.id > $1.id }.prefix(max(0, limit)))
    }

    func deleteAuditEvents(before date: Date) async throws -> Int {
        let doomed = auditEvents.values.filter { $0.occurredAt < date }.map(\.id)
        for id in doomed { auditEvents[id] = nil }
        return doomed.count
    }

    /// Throws when an id of `trail` is taken; checked before a change, so a trail that cannot be written
    /// changes nothing.
    private func checkNewIDs(_ trail: AuditTrail) throws {
        let ids = trail.events.map(\.id)
        guard Set(ids).count == ids.count, !ids.contains(where: { auditEvents[$0] != nil }) else { throw AccountError.conflict(.idTaken) }
        try checkNewMessageIDs(trail.messages)
    }

    private func write(_ trail: AuditTrail) {
        for event in trail.events { auditEvents[event.id] = event }
        for message in trail.messages { outbox[message.id] = message }
    }

    // MARK: OutboxStore

    func enqueue(_ messages: [OutboxMessage]) async throws {
        try checkNewMessageIDs(messages)
        for message in messages { outbox[message.id] = message }
    }

    func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage] {
        guard limit > 0 else { return [] }
        let due = outbox.values
            .filter { message in
                message.channel == channel && message.status == .pending && message.nextAttemptAt <= date
                    && (message.leasedUntil.map { $0 <= date } ?? true)
            }
            .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
            .prefix(limit)
        return due.map { message in
            outbox[message.id]?.leasedUntil = leaseUntil
            return outbox[message.id] ?? message
        }
    }

    func markSent(id: String, at date: Date) async throws {
        guard var message = outbox[id], message.status == .pending else { return }
        message.status = .sent
        message.sentAt = date
        message.payload = ""
        message.leasedUntil = nil
        message.attempts += 1
        outbox[id] = message
    }

    func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        guard var message = outbox[id], message.status == .pending else { return }
        message.attempts = attempts
        message.nextAttemptAt = nextAttemptAt
        message.lastError = error
        message.leasedUntil = nil
        outbox[id] = message
    }

    func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws {
        guard var message = outbox[id], message.status == .pending else { return }
        message.status = .failed
        message.attempts = attempts
        message.lastError = error
        message.leasedUntil = nil
        message.nextAttemptAt = date
        outbox[id] = message
    }

    func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage] {
        Array(outbox.values.filter { status == nil || $0.status == status }.sorted { $0.id > $1.id }.prefix(max(0, limit)))
    }

    func message(id: String) async throws -> OutboxMessage? {
        outbox[id]
    }

    func retryMessage(id: String, at date: Date) async throws -> Bool {
        guard var message = outbox[id], message.status == .failed else { return false }
        message.status = .pending
        message.attempts = 0
        message.nextAttemptAt = date
        message.leasedUntil = nil
        outbox[id] = message
        return true
    }

    func deleteMessages(endedBefore date: Date) async throws -> Int {
        // A sent message ended when it was sent, a failed one when it was last due.
        let ended = outbox.values.filter { $0.status != .pending && ($0.sentAt ?? $0.nextAttemptAt) < date }
        for message in ended { outbox[message.id] = nil }
        return ended.count
    }

    /// Throws a conflict when two of `messages` share an id, or one has the id of a stored message.
    private func checkNewMessageIDs(_ messages: [OutboxMessage]) throws {
        var ids: Set<String> = []
        for message in messages {
            guard outbox[message.id] == nil, ids.insert(message.id).inserted else { throw AccountError.conflict(.idTaken) }
        }
    }

    /// The counter of `key` if its window is still open at `date`: a window that ended counts nothing.
    private func openCounter(_ key: String, at date: Date) -> Counter? {
        guard let counter = counters[Array(key.utf8)], counter.windowEnd > date else { return nil }
        return counter
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
