import Foundation
import Gatehouse
import PostgresNIO

extension PostgresStore {
    /// Writes an event that changes nothing else (a failed login), with its webhook calls, in one
    /// transaction.
    public func recordAudit(_ trail: AuditTrail) async throws {
        guard !trail.isEmpty else { return }
        try await withConnection("record_audit") { connection in
            try await Self.transaction(on: connection) { connection in
                try await Self.insertAudit(trail, on: connection)
            }
        }
    }

    /// Events, newest first, of one account or all, since a time and before an event id.
    public func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent] {
        guard limit > 0 else { return [] }
        let since = date.map { PostgresTime.millis($0) }
        return try await withConnection("audit_events") { connection in
            try await Self.records(
                """
                SELECT \(unescaped: Self.auditColumns) FROM audit_events
                WHERE (\(accountID)::TEXT IS NULL OR account_id = \(accountID))
                  AND (\(since)::BIGINT IS NULL OR occurred_at >= \(since))
                  AND (\(before)::TEXT IS NULL OR id < \(before))
                ORDER BY id DESC LIMIT \(limit)
                """,
                on: connection,
                Self.auditEvent
            )
        }
    }

    /// Deletes the events that happened before `date`; returns how many.
    public func deleteAuditEvents(before date: Date) async throws -> Int {
        try await withConnection("delete_audit_events") { connection in
            try await Self.count("DELETE FROM audit_events WHERE occurred_at < \(PostgresTime.millis(date)) RETURNING 1", on: connection)
        }
    }

    /// Runs a one-statement `change` and, when it took effect, writes `audit` with it in one
    /// transaction. With nothing to record the statement runs alone, without the transaction's two
    /// extra round trips.
    static func auditing<Result: Sendable>(
        _ audit: AuditTrail,
        on connection: PostgresConnection,
        tookEffect: (Result) -> Bool,
        _ change: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard !audit.isEmpty else { return try await change(connection) }
        return try await transaction(on: connection) { connection in
            let result = try await change(connection)
            if tookEffect(result) { try await insertAudit(audit, on: connection) }
            return result
        }
    }

    /// Writes a trail inside the caller's transaction; a taken id is `AccountError.Code.conflict`.
    static func insertAudit(_ trail: AuditTrail, on connection: PostgresConnection) async throws {
        for event in trail.events {
            do {
                try await connection.query(
                    """
                    INSERT INTO audit_events (\(unescaped: auditColumns))
                    VALUES (\(event.id), \(event.kind.rawValue), \(PostgresTime.millis(event.occurredAt)), \(event.accountID),
                            \(event.sessionID), \(event.actor.rawValue), \(event.clientAddress), \(event.userAgent), \(event.detailsJSON))
                    """,
                    logger: queryLogger
                )
            } catch let error where PostgresFailure.isUniqueViolation(error) {
                throw AccountError.conflict(.idTaken)
            }
        }
        try await insertMessages(trail.messages, on: connection)
    }

    private static let auditColumns = "id, kind, occurred_at, account_id, session_id, actor, client_address, user_agent, details"

    private static func auditEvent(_ cursor: inout PostgresCursor) throws -> AuditEvent {
        let id = try cursor.next(String.self)
        let kind = AuditEvent.Kind(rawValue: try cursor.next(String.self))
        let occurredAt = PostgresTime.date(try cursor.next(Int64.self))
        let accountID = try cursor.next(String?.self)
        let sessionID = try cursor.next(String?.self)
        let actor = AuditActor(rawValue: try cursor.next(String.self))
        let clientAddress = try cursor.next(String?.self)
        let userAgent = try cursor.next(String?.self)
        guard let details = AuditEvent.details(fromJSON: try cursor.next(String.self)) else {
            throw PostgresCursor.UnknownValue(column: "audit_events.details")
        }
        return AuditEvent(
            id: id,
            kind: kind,
            occurredAt: occurredAt,
            accountID: accountID,
            sessionID: sessionID,
            actor: actor,
            clientAddress: clientAddress,
            userAgent: userAgent,
            details: details
        )
    }
}
