import Foundation
import Gatehouse
import Synchronization

/// A store that forwards to a real one until told to fail: unreachable, crashing with an unexpected
/// error, or losing accounts while their sessions remain.
final class FaultyStore: AccountStore, SessionStore, TokenStore {
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

    let inner: any AccountStore & SessionStore & TokenStore
    private let fault = Mutex(Fault.none)

    init(_ inner: any AccountStore & SessionStore & TokenStore) {
        self.inner = inner
    }

    func fail(_ newFault: Fault) {
        fault.withLock { $0 = newFault }
    }

    private func check() throws {
        switch fault.withLock({ $0 }) {
        case .unavailable: throw AccountError(.storeUnavailable, "The database cannot be reached.")
        case .unexpected: throw InternalFailure()
        case .none, .accountsVanished: break
        }
    }

    func createAccount(_ account: AccountRecord, passwordHash: String, contacts: [ContactRecord]) async throws {
        try check()
        try await inner.createAccount(account, passwordHash: passwordHash, contacts: contacts)
    }

    func account(id: String) async throws -> AccountRecord? {
        try check()
        return try await inner.account(id: id)
    }

    func account(username: String) async throws -> AccountRecord? {
        try check()
        return try await inner.account(username: username)
    }

    func passwordHash(accountId: String) async throws -> String? {
        try check()
        return try await inner.passwordHash(accountId: accountId)
    }

    func setPasswordHash(accountId: String, hash: String, at date: Date) async throws -> Bool {
        try check()
        return try await inner.setPasswordHash(accountId: accountId, hash: hash, at: date)
    }

    func setDeactivated(accountId: String, _ deactivated: Bool, at date: Date) async throws -> Bool {
        try check()
        return try await inner.setDeactivated(accountId: accountId, deactivated, at: date)
    }

    func contacts(accountId: String) async throws -> [ContactRecord] {
        try check()
        return try await inner.contacts(accountId: accountId)
    }

    func markContactVerified(accountId: String, kind: ContactRecord.Kind, value: String) async throws -> ContactRecord? {
        try check()
        return try await inner.markContactVerified(accountId: accountId, kind: kind, value: value)
    }

    func accounts(limit: Int, offset: Int) async throws -> [AccountRecord] {
        try check()
        return try await inner.accounts(limit: limit, offset: offset)
    }

    func insertSession(_ session: SessionRecord) async throws {
        try check()
        try await inner.insertSession(session)
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

    func revokeSessions(accountId: String, sessionId: String?, exceptSessionId: String?, reason: String, at date: Date) async throws -> Int {
        try check()
        return try await inner.revokeSessions(accountId: accountId, sessionId: sessionId, exceptSessionId: exceptSessionId, reason: reason, at: date)
    }

    func sessions(accountId: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try check()
        return try await inner.sessions(accountId: accountId, includeInvalid: includeInvalid)
    }

    func deleteSessions(endedBefore date: Date) async throws -> Int {
        try check()
        return try await inner.deleteSessions(endedBefore: date)
    }

    func insertToken(_ token: OneTimeTokenRecord) async throws {
        try check()
        try await inner.insertToken(token)
    }

    func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        try check()
        return try await inner.consumeToken(hash: hash, kind: kind, at: date)
    }

    func deleteTokens(accountId: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        try check()
        return try await inner.deleteTokens(accountId: accountId, kind: kind)
    }

    func tokens(accountId: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        try check()
        return try await inner.tokens(accountId: accountId, kind: kind)
    }
}
