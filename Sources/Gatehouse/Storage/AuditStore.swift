import struct Foundation.Date

/// Where audit events are kept (see ``AuditEvent``).
///
/// Most events are written by the store operation that makes the change they record, in its
/// transaction (the `audit` parameter of ``AccountStore``, ``SessionStore`` and ``SigningKeyStore``
/// operations); ``recordAudit(_:)`` writes those that change nothing else — a failed or throttled login.
public protocol AuditStore: Sendable {
    /// Writes the trail's events and messages, all or none; an id already taken is a `Conflict`
    /// (``AccountError/Detail/idTaken``).
    func recordAudit(_ trail: AuditTrail) async throws
    /// Events, newest first (by id): of one account or of all, since `date` (inclusive) or ever, at most
    /// `limit`, and only those older than the event `before` names (by id), to page back.
    func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent]
    /// Deletes events that happened before `date` and returns how many.
    func deleteAuditEvents(before date: Date) async throws -> Int
}
