import struct Foundation.Date

// The store operations with nothing to record: for fixtures, tests and tools that change records
// without a security event to keep.

extension AccountStore {
    /// ``createAccount(_:passwordHash:contacts:audit:)`` with no audit trail.
    public func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord]) async throws {
        try await createAccount(account, passwordHash: passwordHash, contacts: contacts, audit: .none)
    }

    /// ``setPasswordHash(accountID:hash:at:audit:)`` with no audit trail.
    public func setPasswordHash(accountID: String, hash: String, at date: Date) async throws -> Bool {
        try await setPasswordHash(accountID: accountID, hash: hash, at: date, audit: .none)
    }

    /// ``setDeactivated(accountID:_:at:audit:)`` with no audit trail.
    public func setDeactivated(accountID: String, _ deactivated: Bool, at date: Date) async throws -> Bool {
        try await setDeactivated(accountID: accountID, deactivated, at: date, audit: .none)
    }

    /// ``markContactVerified(accountID:kind:value:audit:)`` with no audit trail.
    public func markContactVerified(accountID: String, kind: ContactRecord.Kind, value: String) async throws -> ContactRecord? {
        try await markContactVerified(accountID: accountID, kind: kind, value: value, audit: .none)
    }

    /// ``changePrimaryEmail(accountID:to:at:audit:)`` with no audit trail.
    public func changePrimaryEmail(accountID: String, to email: String, at date: Date) async throws -> Bool {
        try await changePrimaryEmail(accountID: accountID, to: email, at: date, audit: .none)
    }

    /// ``deleteAccount(accountID:audit:)`` with no audit trail.
    public func deleteAccount(accountID: String) async throws -> Bool {
        try await deleteAccount(accountID: accountID, audit: .none)
    }
}

extension SessionStore {
    /// ``insertSession(_:requiringAccountEpoch:audit:)`` with no audit trail.
    public func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int) async throws {
        try await insertSession(session, requiringAccountEpoch: epoch, audit: .none)
    }

    /// ``revokeSessions(_:reason:at:audit:)`` with no audit trail.
    public func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date) async throws -> Int {
        try await revokeSessions(scope, reason: reason, at: date, audit: .none)
    }
}

extension SigningKeyStore {
    /// ``insertSigningKey(_:audit:)`` with no audit trail.
    public func insertSigningKey(_ key: StoredSigningKey) async throws {
        try await insertSigningKey(key, audit: .none)
    }

    /// ``retireSigningKey(kid:audit:)`` with no audit trail.
    public func retireSigningKey(kid: String) async throws -> Bool {
        try await retireSigningKey(kid: kid, audit: .none)
    }
}
