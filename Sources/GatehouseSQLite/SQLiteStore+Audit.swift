import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Writes an event that changes nothing else (a failed login), with its webhook calls, in one
    /// transaction.
    public func recordAudit(_ trail: AuditTrail) async throws {
        guard !trail.isEmpty else { return }
        try await write("record_audit") { db in
            try Self.insertAudit(trail, in: db)
        }
    }

    /// Events, newest first, of one account or all, since a time and before an event id.
    public func auditEvents(accountID: String?, since date: Date?, before: String?, limit: Int) async throws -> [AuditEvent] {
        guard limit > 0 else { return [] }
        return try await read("audit_events") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.auditColumns) FROM audit_events
                    WHERE (? IS NULL OR account_id = ?) AND (? IS NULL OR occurred_at >= ?) AND (? IS NULL OR id < ?)
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [
                    accountID, accountID, SQLiteCodec.millis(date), SQLiteCodec.millis(date), before, before, limit,
                ]
            ).map(Self.auditEvent)
        }
    }

    /// Deletes the events that happened before `date`; returns how many.
    public func deleteAuditEvents(before date: Date) async throws -> Int {
        try await write("delete_audit_events") { db in
            try db.execute(sql: "DELETE FROM audit_events WHERE occurred_at < ?", arguments: [SQLiteCodec.millis(date)])
            return db.changesCount
        }
    }

    /// Writes a trail inside the caller's transaction; a taken id is `AccountError.Code.conflict`.
    static func insertAudit(_ trail: AuditTrail, in db: Database) throws {
        if !trail.events.isEmpty {
            let statement = try db.cachedStatement(sql: "INSERT INTO audit_events (\(auditColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for event in trail.events {
                try statement.execute(arguments: [
                    event.id, event.kind.rawValue, SQLiteCodec.millis(event.occurredAt), event.accountID, event.sessionID,
                    event.actor.rawValue, event.clientAddress, event.userAgent, event.detailsJSON,
                ])
            }
        }
        if !trail.messages.isEmpty { try insertMessages(trail.messages, in: db) }
    }

    private static let auditColumns = "id, kind, occurred_at, account_id, session_id, actor, client_address, user_agent, details"

    private static func auditEvent(_ row: Row) throws -> AuditEvent {
        guard let details = AuditEvent.details(fromJSON: try row.decode(String.self, atIndex: 8)) else { throw SQLiteCodec.malformed }
        return AuditEvent(
            id: try row.decode(String.self, atIndex: 0),
            kind: AuditEvent.Kind(rawValue: try row.decode(String.self, atIndex: 1)),
            occurredAt: SQLiteCodec.date(try row.decode(Int64.self, atIndex: 2)),
            accountID: try row.decode(String?.self, atIndex: 3),
            sessionID: try row.decode(String?.self, atIndex: 4),
            actor: AuditActor(rawValue: try row.decode(String.self, atIndex: 5)),
            clientAddress: try row.decode(String?.self, atIndex: 6),
            userAgent: try row.decode(String?.self, atIndex: 7),
            details: details
        )
    }
}
