import Foundation
import Gatehouse
import Synchronization

/// A session store that only counts sweeps (and can fail them): everything else is a memory store.
final class CountingStore: SessionStore {
    private let base = MemoryStore()
    private let count = Mutex(0)
    private let failing: Bool

    init(failing: Bool = false) {
        self.failing = failing
    }

    var sweeps: Int { count.withLock { $0 } }

    func deleteSessions(endedBefore date: Date) async throws -> Int {
        count.withLock { $0 += 1 }
        if failing { throw AccountError.storeUnavailable() }
        return try await base.deleteSessions(endedBefore: date)
    }

    func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws {
        try await base.insertSession(session, requiringAccountEpoch: epoch, audit: audit)
    }
    func session(id: String) async throws -> SessionRecord? { try await base.session(id: id) }
    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)? {
        try await base.sessionWithAccount(id: id)
    }
    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool] { try await base.updateSessions(updates) }
    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int {
        try await base.revokeSessions(scope, reason: reason, at: date, audit: audit)
    }
    func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await base.recordAuthentication(sessionID: sessionID, methods: methods, at: date, audit: audit)
    }
    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord] {
        try await base.sessions(accountID: accountID, includeInvalid: includeInvalid)
    }
}
