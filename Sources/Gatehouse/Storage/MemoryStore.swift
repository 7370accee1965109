import Synchronization

import struct Foundation.Date

/// A store held in memory: for tests, prototypes and single-process tools. It honours every rule of
/// the store protocols (uniqueness, compare-and-swap, single use) under one lock.
public final class MemoryStore: GatehouseStore {
    private struct State {
        var accounts: [String: AccountRecord] = [:]
        var accountOrder: [String] = []
        var usernames: [String: String] = [:]
        var passwordHashes: [String: String] = [:]
        var contacts: [ContactRecord] = []
        var sessions: [String: SessionRecord] = [:]
        var sessionOrder: [String] = []
        var tokens: [OneTimeTokenRecord] = []
        var keys: [StoredSigningKey] = []
        var throttles: [String: ThrottleCounter] = [:]
        var trustedAddresses: [String: Date] = [:]
        var outbox: [OutboxMessage] = []
        var auditEvents: [AuditEvent] = []
        /// In the order they were linked.
        var identities: [IdentityRecord] = []
        /// The sealed provider tokens, by identity id.
        var providerTokens: [String: [UInt8]] = [:]
        /// The TOTP factors, by account id.
        var totpFactors: [String: TOTPFactorRecord] = [:]
        /// The recovery codes' digests, by account id, each with when it was used.
        var recoveryCodes: [String: [(hash: [UInt8], usedAt: Date?)]] = [:]
        /// The passkeys, in the order they were registered.
        var passkeys: [PasskeyRecord] = []
        var passkeyChallenges: [PasskeyChallengeRecord] = []

        mutating func nextEpoch(_ accountID: String) {
            accounts[accountID]?.sessionEpoch += 1
        }

        /// Throws when an id of `trail` is taken: checked before a change, so a failing trail changes nothing.
        func check(_ trail: AuditTrail) throws(AccountError) {
            let eventIDs = trail.events.map(\.id)
            let messageIDs = trail.messages.map(\.id)
            guard Set(eventIDs).count == eventIDs.count, Set(messageIDs).count == messageIDs.count,
                !auditEvents.contains(where: { eventIDs.contains($0.id) }),
                !outbox.contains(where: { messageIDs.contains($0.id) })
            else { throw AccountError.conflict(.idTaken) }
        }

        mutating func append(_ trail: AuditTrail) {
            auditEvents.append(contentsOf: trail.events)
            outbox.append(contentsOf: trail.messages)
        }

        /// Whether the account can log in without the identity or passkey named: a password, another
        /// identity, another passkey.
        func hasOtherWayToLogIn(_ accountID: String, besidesIdentity identityID: String? = nil, passkey passkeyID: String? = nil) -> Bool {
            !(passwordHashes[accountID] ?? "").isEmpty
                || identities.contains { $0.accountID == accountID && $0.id != identityID }
                || passkeys.contains { $0.accountID == accountID && $0.id != passkeyID }
        }

        func primaryContact(_ accountID: String) -> ContactRecord? {
            contacts.first { $0.accountID == accountID && $0.isPrimary }
        }

        func withContact(_ account: AccountRecord) -> AccountRecord {
            var account = account
            if let primary = primaryContact(account.accountID) {
                account.email = primary.value
                account.emailVerified = primary.verified
            }
            return account
        }

        /// Throws when the identity's id or its (issuer, subject) is taken.
        func check(_ identity: IdentityRecord) throws(AccountError) {
            if identities.contains(where: { $0.issuer == identity.issuer && $0.subject == identity.subject }) {
                throw AccountError.conflict(.identityTaken)
            }
            if identities.contains(where: { $0.id == identity.id }) { throw AccountError.conflict(.idTaken) }
        }

        /// Creates an account, with its password hash (none for an empty one) and its identity, if any;
        /// every rule is checked before anything is written.
        mutating func insert(
            _ account: AccountRecord,
            passwordHash: String,
            contacts: [ContactRecord],
            identity: IdentityRecord?,
            audit: AuditTrail
        ) throws(AccountError) {
            try check(audit)
            guard accounts[account.accountID] == nil, usernames[account.username] == nil else {
                throw AccountError.conflict(.usernameTaken)
            }
            for contact in contacts {
                let clash = self.contacts.contains { $0.kind == contact.kind && $0.value == contact.value }
                let duplicate = contacts.filter { $0.kind == contact.kind && $0.value == contact.value }.count > 1
                if clash || duplicate { throw AccountError.conflict(.contactTaken) }
            }
            if let identity { try check(identity) }
            accounts[account.accountID] = account
            accountOrder.append(account.accountID)
            usernames[account.username] = account.accountID
            if !passwordHash.isEmpty { passwordHashes[account.accountID] = passwordHash }
            self.contacts.append(contentsOf: contacts)
            if var identity {
                identity.accountID = account.accountID
                identities.append(identity)
            }
            append(audit)
        }
    }

    private let state = Mutex(State())
    private let clock: any WallClock

    /// An empty store whose rotations take their commit time from `clock`.
    public init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
    }

    // MARK: AccountStore

    public func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try state.withLock { state throws(AccountError) in
            try state.insert(account, passwordHash: passwordHash, contacts: contacts, identity: nil, audit: audit)
        }
    }

    public func account(id: String) async throws -> AccountRecord? {
        state.withLock { state in state.accounts[id].map(state.withContact) }
    }

    public func account(username: String) async throws -> AccountRecord? {
        state.withLock { state in
            state.usernames[username].flatMap { state.accounts[$0] }.map(state.withContact)
        }
    }

    public func account(email: String) async throws -> AccountRecord? {
        state.withLock { state in
            state.contacts.first { $0.kind == .email && $0.value == email }.flatMap { state.accounts[$0.accountID] }.map(state.withContact)
        }
    }

    public func changePrimaryEmail(accountID: String, to email: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard state.accounts[accountID] != nil else { return false }
            try state.check(audit)
            if let owner = state.contacts.first(where: { $0.kind == .email && $0.value == email }), owner.accountID != accountID {
                throw AccountError.conflict(.contactTaken)
            }
            // The address, if the account had it as another contact, becomes the primary one.
            state.contacts.removeAll { $0.accountID == accountID && (($0.kind == .email && $0.value == email) || $0.isPrimary) }
            state.contacts.append(ContactRecord(accountID: accountID, kind: .email, value: email, verified: true, isPrimary: true, createdAt: date))
            state.accounts[accountID]?.email = email
            state.accounts[accountID]?.emailVerified = true
            state.accounts[accountID]?.updatedAt = date
            state.append(audit)
            return true
        }
    }

    public func deleteAccount(accountID: String, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard state.accounts[accountID] != nil else { return false }
            try state.check(audit)
            guard let account = state.accounts.removeValue(forKey: accountID) else { return false }
            state.accountOrder.removeAll { $0 == accountID }
            state.usernames[account.username] = nil
            state.passwordHashes[accountID] = nil
            state.contacts.removeAll { $0.accountID == accountID }
            for identity in state.identities where identity.accountID == accountID { state.providerTokens[identity.id] = nil }
            state.identities.removeAll { $0.accountID == accountID }
            state.totpFactors[accountID] = nil
            state.recoveryCodes[accountID] = nil
            state.passkeys.removeAll { $0.accountID == accountID }
            state.passkeyChallenges.removeAll { $0.accountID == accountID }
            let sessions = state.sessions.values.filter { $0.accountID == accountID }.map(\.id)
            for id in sessions { state.sessions[id] = nil }
            state.sessionOrder.removeAll { state.sessions[$0] == nil }
            state.tokens.removeAll { $0.accountID == accountID }
            state.outbox.removeAll { $0.accountID == accountID && $0.status != .sent }
            state.append(audit)
            return true
        }
    }

    public func passwordHash(accountID: String) async throws -> String? {
        state.withLock { $0.passwordHashes[accountID].flatMap { $0.isEmpty ? nil : $0 } }
    }

    public func setPasswordHash(accountID: String, hash: String, at date: Date, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard state.accounts[accountID] != nil else { return false }
            try state.check(audit)
            state.passwordHashes[accountID] = hash
            state.accounts[accountID]?.updatedAt = date
            state.nextEpoch(accountID)
            state.append(audit)
            return true
        }
    }

    public func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard state.accounts[accountID] != nil else { return false }
            try state.check(audit)
            state.accounts[accountID]?.deactivated = deactivated
            state.accounts[accountID]?.updatedAt = date
            state.nextEpoch(accountID)
            state.append(audit)
            return true
        }
    }

    public func contacts(accountID: String) async throws -> [ContactRecord] {
        state.withLock { $0.contacts.filter { $0.accountID == accountID } }
    }

    public func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String, audit: AuditTrail) async throws -> ContactRecord? {
        try state.withLock { state throws(AccountError) in
            guard let index = state.contacts.firstIndex(where: { $0.accountID == accountID && $0.kind == kind && $0.value == value }) else {
                return nil
            }
            try state.check(audit)
            state.contacts[index].verified = true
            state.append(audit)
            return state.contacts[index]
        }
    }

    public func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        state.withLock { state in
            state.accountOrder.dropFirst(max(0, offset)).prefix(max(0, limit)).compactMap { state.accounts[$0].map(state.withContact) }
        }
    }

    // MARK: IdentityStore

    public func identity(issuer: String, subject: String) async throws -> IdentityRecord? {
        state.withLock { state in state.identities.first { $0.issuer == issuer && $0.subject == subject } }
    }

    public func identities(accountID: String) async throws -> [IdentityRecord] {
        state.withLock { state in
            // Oldest first; among equal dates, in the order they were linked.
            state.identities.enumerated()
                .filter { $0.element.accountID == accountID }
                .sorted { ($0.element.createdAt, $0.offset) < ($1.element.createdAt, $1.offset) }
                .map(\.element)
        }
    }

    public func createAccount(_ account: AccountRecord, identity: IdentityRecord, contacts: [ContactRecord], audit: AuditTrail) async throws {
        try state.withLock { state throws(AccountError) in
            try state.insert(account, passwordHash: "", contacts: contacts, identity: identity, audit: audit)
        }
    }

    public func linkIdentity(_ identity: IdentityRecord, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard state.accounts[identity.accountID] != nil else { return false }
            try state.check(identity)
            try state.check(audit)
            state.identities.append(identity)
            state.append(audit)
            return true
        }
    }

    public func unlinkIdentity(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try state.withLock { state throws(AccountError) in
            guard let index = state.identities.firstIndex(where: { $0.id == id && $0.accountID == accountID }) else { return .notFound }
            guard state.hasOtherWayToLogIn(accountID, besidesIdentity: id) else { return .lastWayToLogIn }
            try state.check(audit)
            state.identities.remove(at: index)
            state.providerTokens[id] = nil
            state.append(audit)
            return .removed
        }
    }

    public func setProviderTokens(_ sealed: [UInt8]?, identityID: String, at date: Date) async throws -> Bool {
        state.withLock { state in
            guard state.identities.contains(where: { $0.id == identityID }) else { return false }
            state.providerTokens[identityID] = sealed
            return true
        }
    }

    public func providerTokens(identityID: String) async throws -> [UInt8]? {
        state.withLock { $0.providerTokens[identityID] }
    }

    // MARK: SecondFactorStore

    public func totpFactor(accountID: String) async throws -> TOTPFactorRecord? {
        state.withLock { $0.totpFactors[accountID] }
    }

    public func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool {
        state.withLock { state in
            guard state.accounts[factor.accountID] != nil, state.totpFactors[factor.accountID]?.confirmedAt == nil else { return false }
            var factor = factor
            factor.confirmedAt = nil
            state.totpFactors[factor.accountID] = factor
            return true
        }
    }

    public func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard let factor = state.totpFactors[accountID], factor.confirmedAt == nil,
                StoredTime.millis(factor.createdAt) == StoredTime.millis(createdAt)
            else { return false }
            try state.check(audit)
            state.totpFactors[accountID]?.confirmedAt = date
            state.totpFactors[accountID]?.lastUsedStep = step
            var codes: [(hash: [UInt8], usedAt: Date?)] = []
            for hash in recoveryCodeHashes where !codes.contains(where: { $0.hash == hash }) { codes.append((hash, nil)) }
            state.recoveryCodes[accountID] = codes
            state.append(audit)
            return true
        }
    }

    public func useTOTPStep(accountID: String, step: Int64) async throws -> Bool {
        state.withLock { state in
            guard let factor = state.totpFactors[accountID], factor.confirmedAt != nil, factor.lastUsedStep < step else { return false }
            state.totpFactors[accountID]?.lastUsedStep = step
            return true
        }
    }

    public func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard let index = state.recoveryCodes[accountID]?.firstIndex(where: { $0.hash == hash && $0.usedAt == nil }) else { return false }
            try state.check(audit)
            state.recoveryCodes[accountID]?[index].usedAt = date
            state.append(audit)
            return true
        }
    }

    public func unusedRecoveryCodeCount(accountID: String) async throws -> Int {
        state.withLock { state in (state.recoveryCodes[accountID] ?? []).filter { $0.usedAt == nil }.count }
    }

    public func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard state.totpFactors[accountID] != nil else {
                state.recoveryCodes[accountID] = nil
                return false
            }
            try state.check(audit)
            state.totpFactors[accountID] = nil
            state.recoveryCodes[accountID] = nil
            state.append(audit)
            return true
        }
    }

    // MARK: PasskeyStore

    public func insertPasskeyChallenge(_ challenge: PasskeyChallengeRecord) async throws {
        state.withLock { state in
            state.passkeyChallenges.removeAll { $0.expiresAt < challenge.createdAt }
            state.passkeyChallenges.append(challenge)
        }
    }

    public func consumePasskeyChallenge(
        hash: [UInt8],
        purpose: PasskeyChallengeRecord.Purpose,
        at date: Date
    ) async throws -> PasskeyChallengeRecord? {
        state.withLock { state in
            guard let index = state.passkeyChallenges.firstIndex(where: { $0.hash == hash && $0.purpose == purpose }) else { return nil }
            let challenge = state.passkeyChallenges.remove(at: index)
            return challenge.expiresAt > date ? challenge : nil
        }
    }

    public func passkeys(accountID: String) async throws -> [PasskeyRecord] {
        state.withLock { state in
            // Oldest first; among equal dates, in the order they were registered.
            state.passkeys.enumerated()
                .filter { $0.element.accountID == accountID }
                .sorted { ($0.element.createdAt, $0.offset) < ($1.element.createdAt, $1.offset) }
                .map(\.element)
        }
    }

    public func passkey(credentialID: [UInt8]) async throws -> PasskeyRecord? {
        state.withLock { state in state.passkeys.first { $0.credentialID == credentialID } }
    }

    public func insertPasskey(_ passkey: PasskeyRecord, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard state.accounts[passkey.accountID] != nil,
                !state.passkeys.contains(where: { $0.credentialID == passkey.credentialID || $0.id == passkey.id })
            else { return false }
            try state.check(audit)
            state.passkeys.append(passkey)
            state.append(audit)
            return true
        }
    }

    public func usePasskey(id: String, signCount: UInt32, at date: Date) async throws -> Bool {
        state.withLock { state in
            guard let index = state.passkeys.firstIndex(where: { $0.id == id }), state.passkeys[index].acceptsSignCount(signCount) else {
                return false
            }
            state.passkeys[index].signCount = signCount
            state.passkeys[index].lastUsedAt = date
            return true
        }
    }

    public func deletePasskey(id: String, accountID: String, audit: AuditTrail) async throws -> LoginMethodRemoval {
        try state.withLock { state throws(AccountError) in
            guard let index = state.passkeys.firstIndex(where: { $0.id == id && $0.accountID == accountID }) else { return .notFound }
            guard state.hasOtherWayToLogIn(accountID, passkey: id) else { return .lastWayToLogIn }
            try state.check(audit)
            state.passkeys.remove(at: index)
            state.append(audit)
            return .removed
        }
    }

    // MARK: SessionStore

    public func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try state.withLock { state throws(AccountError) in
            guard state.sessions[session.id] == nil else { throw AccountError.conflict(.idTaken) }
            guard let account = state.accounts[session.accountID] else { throw AccountError.userNotFound }
            guard !account.deactivated else { throw AccountError.userDeactivated }
            guard account.sessionEpoch == epoch else { throw AccountError.conflict(.accountChanged) }
            try state.check(audit)
            state.sessions[session.id] = session
            state.sessionOrder.append(session.id)
            state.append(audit)
        }
    }

    public func session(id: String) async throws -> SessionRecord? {
        state.withLock { $0.sessions[id] }
    }

    public func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        state.withLock { state in
            guard let session = state.sessions[id] else { return nil }
            return (session, state.accounts[session.accountID].map(state.withContact))
        }
    }

    public func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] {
        let now = clock.now()
        return state.withLock { state in
            updates.map { update in
                guard let session = state.sessions[update.sessionID], update.applies(to: session) else { return false }
                state.sessions[update.sessionID] = session.applying(update, committedAt: now)
                return true
            }
        }
    }

    public func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try state.withLock { state throws(AccountError) in
            try state.check(audit)
            var count = 0
            for (id, session) in state.sessions where session.accountID == scope.accountID && session.valid && scope.includes(sessionID: id) {
                state.sessions[id]?.valid = false
                state.sessions[id]?.revokedReason = reason
                count += 1
            }
            if scope.onlySessionID == nil { state.nextEpoch(scope.accountID) }
            if count > 0 { state.append(audit) }
            return count
        }
    }

    public func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            try state.check(audit)
            guard state.sessions[sessionID]?.valid == true else { return false }
            state.sessions[sessionID]?.authenticatedAt = date
            state.sessions[sessionID]?.authenticationMethods = methods
            state.append(audit)
            return true
        }
    }

    public func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        state.withLock { state in
            state.sessionOrder.compactMap { state.sessions[$0] }
                .filter { $0.accountID == accountID && (includeInvalid || $0.valid) }
        }
    }

    public func deleteSessions(endedBefore date: Date) async throws -> Int {
        state.withLock { state in
            let ended = state.sessions.values.filter { $0.expiresAt < date || (!$0.valid && $0.lastUsedAt < date) }.map(\.id)
            for id in ended { state.sessions[id] = nil }
            state.sessionOrder.removeAll { state.sessions[$0] == nil }
            return ended.count
        }
    }

    // MARK: TokenStore

    public func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws {
        try state.withLock { state throws(AccountError) in
            guard !state.tokens.contains(where: { $0.hash == token.hash || $0.id == token.id }) else {
                throw AccountError.conflict(.idTaken)
            }
            guard state.accounts[token.accountID] != nil else { throw AccountError.userNotFound }
            guard Set(messages.map(\.id)).count == messages.count,
                !state.outbox.contains(where: { message in messages.contains { $0.id == message.id } })
            else {
                throw AccountError.conflict(.idTaken)
            }
            state.tokens.append(token)
            state.outbox.append(contentsOf: messages)
        }
    }

    public func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        state.withLock { state in
            guard
                let index = state.tokens.firstIndex(where: {
                    $0.hash == hash && $0.kind == kind && $0.usedAt == nil && $0.expiresAt > date
                })
            else { return nil }
            state.tokens[index].usedAt = date
            return state.tokens[index]
        }
    }

    public func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        state.withLock { state in
            let before = state.tokens.count
            state.tokens.removeAll { $0.accountID == accountID && $0.kind == kind }
            return before - state.tokens.count
        }
    }

    public func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        state.withLock { $0.tokens.filter { $0.accountID == accountID && $0.kind == kind } }
    }

    // MARK: SigningKeyStore

    public func signingKeys() async throws -> [StoredSigningKey] {
        state.withLock { $0.keys }
    }

    public func insertSigningKey(_ key: StoredSigningKey, audit: AuditTrail) async throws {
        try state.withLock { state throws(AccountError) in
            guard !state.keys.contains(where: { $0.kid == key.kid }) else { throw AccountError.conflict(.keyIDTaken) }
            try state.check(audit)
            if key.isSigning {
                for index in state.keys.indices { state.keys[index].isSigning = false }
            }
            state.keys.append(key)
            state.append(audit)
        }
    }

    public func retireSigningKey(kid: String, audit: AuditTrail) async throws -> Bool {
        try state.withLock { state throws(AccountError) in
            guard let index = state.keys.firstIndex(where: { $0.kid == kid && !$0.isSigning && !$0.retired }) else { return false }
            try state.check(audit)
            state.keys[index].retired = true
            state.append(audit)
            return true
        }
    }

    // MARK: ThrottleStore

    public func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        state.withLock { state in
            var wait: Double = 0
            for limit in limits {
                guard let counter = state.throttles[limit.key], counter.windowEnd > date else { continue }
                if counter.count >= limit.limit { wait = max(wait, counter.windowEnd.timeIntervalSince(date)) }
            }
            if wait > 0 { return .refused(retryAfter: .milliseconds(Int64((wait * 1000).rounded(.up)))) }
            for limit in limits {
                if let counter = state.throttles[limit.key], counter.windowEnd > date {
                    state.throttles[limit.key]?.count += 1
                } else {
                    state.throttles[limit.key] = ThrottleCounter(count: 1, windowEnd: date.addingTimeInterval(limit.window.seconds))
                }
            }
            return .reserved
        }
    }

    public func releaseAttempt(keys: [String], at date: Date) async throws {
        state.withLock { state in
            for key in keys where (state.throttles[key]?.count ?? 0) > 0 {
                state.throttles[key]?.count -= 1
            }
        }
    }

    public func clearAttempts(keys: [String], prefixes: [String]) async throws {
        state.withLock { state in
            for key in keys { state.throttles[key] = nil }
            // Byte for byte: `hasPrefix` compares characters, so "e" would not start "e\u{301}" and "e\u{301}" would start "é".
            for key in state.throttles.keys where prefixes.contains(where: { key.utf8.starts(with: $0.utf8) }) {
                state.throttles[key] = nil
            }
        }
    }

    public func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        state.withLock { $0.trustedAddresses[Self.trustKey(address: address, account: account)] = date }
    }

    public func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        state.withLock { state in
            guard let seen = state.trustedAddresses[Self.trustKey(address: address, account: account)] else { return false }
            return seen >= date
        }
    }

    public func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        state.withLock { state in
            let counters = state.throttles.filter { $0.value.windowEnd < date }.map(\.key)
            let addresses = state.trustedAddresses.filter { $0.value < date }.map(\.key)
            for key in counters { state.throttles[key] = nil }
            for key in addresses { state.trustedAddresses[key] = nil }
            return counters.count + addresses.count
        }
    }

    public func forgetTrustedAddresses(account: String) async throws {
        state.withLock { state in
            let prefix = Self.trustKey(address: "", account: account)
            for key in state.trustedAddresses.keys where key.utf8.starts(with: prefix.utf8) {
                state.trustedAddresses[key] = nil
            }
        }
    }

    // MARK: AuditStore

    public func recordAudit(_ trail: AuditTrail) async throws {
        try state.withLock { state throws(AccountError) in
            try state.check(trail)
            state.append(trail)
        }
    }

    public func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent] {
        state.withLock { state in
            state.auditEvents
                .filter { event in
                    (accountID == nil || event.accountID == accountID) && (date.map { event.occurredAt >= $0 } ?? true)
                        && (before.map { event.id < $0 } ?? true)
                }
                .sorted { $0.id > $1.id }
                .prefix(max(0, limit))
                .map { $0 }
        }
    }

    public func deleteAuditEvents(before date: Date) async throws -> Int {
        state.withLock { state in
            let count = state.auditEvents.count
            state.auditEvents.removeAll { $0.occurredAt < date }
            return count - state.auditEvents.count
        }
    }

    // MARK: OutboxStore

    public func enqueue(_ messages: [OutboxMessage]) async throws {
        try state.withLock { state throws(AccountError) in
            guard Set(messages.map(\.id)).count == messages.count,
                !state.outbox.contains(where: { message in messages.contains { $0.id == message.id } })
            else {
                throw AccountError.conflict(.idTaken)
            }
            state.outbox.append(contentsOf: messages)
        }
    }

    public func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage] {
        state.withLock { state in
            let due = state.outbox.indices
                .filter { index in
                    let message = state.outbox[index]
                    return message.channel == channel && message.status == .pending && message.nextAttemptAt <= date
                        && (message.leasedUntil.map { $0 <= date } ?? true)
                }
                .sorted { (state.outbox[$0].nextAttemptAt, state.outbox[$0].id) < (state.outbox[$1].nextAttemptAt, state.outbox[$1].id) }
                .prefix(max(0, limit))
            return due.map { index in
                state.outbox[index].leasedUntil = leaseUntil
                return state.outbox[index]
            }
        }
    }

    public func markSent(id: String, at date: Date) async throws {
        state.withLock { state in
            guard let index = state.outbox.firstIndex(where: { $0.id == id && $0.status == .pending }) else { return }
            state.outbox[index].status = .sent
            state.outbox[index].sentAt = date
            state.outbox[index].payload = ""
            state.outbox[index].leasedUntil = nil
            state.outbox[index].attempts += 1
        }
    }

    public func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        state.withLock { state in
            guard let index = state.outbox.firstIndex(where: { $0.id == id && $0.status == .pending }) else { return }
            state.outbox[index].attempts = attempts
            state.outbox[index].nextAttemptAt = nextAttemptAt
            state.outbox[index].lastError = error
            state.outbox[index].leasedUntil = nil
        }
    }

    public func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws {
        state.withLock { state in
            guard let index = state.outbox.firstIndex(where: { $0.id == id && $0.status == .pending }) else { return }
            state.outbox[index].status = .failed
            state.outbox[index].attempts = attempts
            state.outbox[index].lastError = error
            state.outbox[index].leasedUntil = nil
            state.outbox[index].nextAttemptAt = date
        }
    }

    public func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage] {
        state.withLock { state in
            Array(state.outbox.filter { status == nil || $0.status == status }.sorted { $0.id > $1.id }.prefix(max(0, limit)))
        }
    }

    public func message(id: String) async throws -> OutboxMessage? {
        state.withLock { state in state.outbox.first { $0.id == id } }
    }

    public func retryMessage(id: String, at date: Date) async throws -> Bool {
        state.withLock { state in
            guard let index = state.outbox.firstIndex(where: { $0.id == id && $0.status == .failed }) else { return false }
            state.outbox[index].status = .pending
            state.outbox[index].attempts = 0
            state.outbox[index].nextAttemptAt = date
            state.outbox[index].leasedUntil = nil
            return true
        }
    }

    public func deleteMessages(endedBefore date: Date) async throws -> Int {
        state.withLock { state in
            let before = state.outbox.count
            state.outbox.removeAll { $0.status != .pending && ($0.sentAt ?? $0.nextAttemptAt) < date }
            return before - state.outbox.count
        }
    }

    private static func trustKey(address: String, account: String) -> String {
        "\(account)\u{0}\(address)"
    }
}

/// One throttle key's attempts in its current window.
private struct ThrottleCounter {
    var count: Int
    var windowEnd: Date
}
