import struct Foundation.Date

/// Where sessions live. Rotations are compare-and-swap writes, taken in batches so that a store can
/// commit many concurrent rotations in one transaction.
///
/// A new session and a revocation write their `audit` trail in the same transaction, when they take
/// effect (see ``AuditTrail``).
public protocol SessionStore: Sendable {
    /// Stores a new session if its account exists, is active and still has `epoch` as its
    /// ``AccountRecord/sessionEpoch`` — one conditional write, so a login whose account was deactivated, whose
    /// password changed or whose sessions were all ended while it checked the password creates nothing.
    /// Throws ``AccountError/Code/userNotFound`` for a missing account, ``AccountError/Code/userDeactivated``
    /// for a deactivated one, ``AccountError/Code/conflict`` with ``AccountError/Detail/accountChanged`` for
    /// another epoch and with ``AccountError/Detail/idTaken`` when the id exists.
    func insertSession(_ session: SessionRecord, requiringAccountEpoch epoch: Int, audit: AuditTrail) async throws
    /// The session with this id.
    func session(id: String) async throws -> SessionRecord?
    /// The session and its account in one read: the per-request hot path.
    func sessionWithAccount(id: String) async throws -> (session: SessionRecord, account: AccountRecord?)?
    /// Applies each update if its session is still valid and its current hash (and, where the update
    /// says so, its previous hash and presented flag) still match; returns, per update and in order,
    /// whether it was applied. Updates that take the commit time get the store's clock at commit.
    func updateSessions(_ updates: [SessionUpdate]) async throws -> [Bool]
    /// Marks the valid sessions in `scope` invalid with `reason`; returns how many changed. Ending every
    /// session of an account (``RevocationScope/allSessions(accountID:)``,
    /// ``RevocationScope/allSessionsExcept(sessionID:accountID:)``) also moves the account to its next
    /// ``AccountRecord/sessionEpoch``, in the same write. The trail is written only when a session ended.
    func revokeSessions(_ scope: RevocationScope, reason: RevocationReason, at date: Date, audit: AuditTrail) async throws -> Int
    /// Records that the holder of the valid session `sessionID` proved who they are again — at `date`,
    /// with `methods` — leaving its secrets and tokens as they are (a reauthentication, for step-up).
    /// Returns `false`, writing nothing, when no valid session has this id; the trail is written with the change.
    func recordAuthentication(sessionID: String, methods: [AuthenticationMethod], at date: Date, audit: AuditTrail) async throws -> Bool
    /// Sessions of an account, oldest first.
    func sessions(accountID: String, includeInvalid: Bool) async throws -> [SessionRecord]
    /// Deletes sessions that ended (invalid, or past their absolute expiry) before `date`; returns the count.
    func deleteSessions(endedBefore date: Date) async throws -> Int
}
