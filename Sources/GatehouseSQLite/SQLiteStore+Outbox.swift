import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Adds messages in one transaction; a taken id is `AccountError.Code.conflict` and writes none of them.
    public func enqueue(_ messages: [OutboxMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await write("enqueue_messages") { db in
            try Self.insertMessages(messages, in: db)
        }
    }

    /// Claims the due, pending, unleased messages of a channel, oldest first, and leases them.
    ///
    /// The read and the lease are one write transaction, which SQLite runs alone (`BEGIN IMMEDIATE`),
    /// so two claims — from this process or another on the same file — never see the same message
    /// unleased.
    public func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage] {
        guard limit > 0 else { return [] }
        let now = SQLiteCodec.millis(date)
        let lease = SQLiteCodec.millis(leaseUntil)
        return try await write("claim_messages") { db in
            let due = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(SQLiteCodec.messageColumns) FROM outbox
                    WHERE status = 'pending' AND channel = ? AND next_attempt_at <= ? AND (leased_until IS NULL OR leased_until <= ?)
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [channel.rawValue, now, now, limit]
            ).map { try SQLiteCodec.message($0) }
            let leaseStatement = try db.cachedStatement(sql: "UPDATE outbox SET leased_until = ? WHERE id = ?")
            return try due.map { message in
                try leaseStatement.execute(arguments: [lease, message.id])
                var claimed = message
                claimed.leasedUntil = SQLiteCodec.date(lease)
                return claimed
            }
        }
    }

    /// Marks a message sent: the attempt that delivered it counts, its payload and lease go.
    public func markSent(id: String, at date: Date) async throws {
        try await write("mark_message_sent") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'sent', sent_at = ?, payload = '', leased_until = NULL, attempts = attempts + 1
                    WHERE id = ? AND status = 'pending'
                    """,
                arguments: [SQLiteCodec.millis(date), id]
            )
        }
    }

    /// Records a failed attempt and when to try again; the lease ends.
    public func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        try await write("mark_message_for_retry") { db in
            try db.execute(
                sql: "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, leased_until = NULL WHERE id = ? AND status = 'pending'",
                arguments: [attempts, SQLiteCodec.millis(nextAttemptAt), error, id]
            )
        }
    }

    /// Marks a message failed for good; it keeps its payload, and its `next_attempt_at` dates its end.
    public func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws {
        try await write("mark_message_failed") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'failed', attempts = ?, last_error = ?, leased_until = NULL, next_attempt_at = ?
                    WHERE id = ? AND status = 'pending'
                    """,
                arguments: [attempts, error, SQLiteCodec.millis(date), id]
            )
        }
    }

    /// Messages, newest (greatest id) first: all of them, or those with `status`.
    public func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage] {
        guard limit > 0 else { return [] }
        return try await read("messages") { db in
            if let status {
                return try Row.fetchAll(
                    db,
                    sql: "SELECT \(SQLiteCodec.messageColumns) FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?",
                    arguments: [status.rawValue, limit]
                ).map { try SQLiteCodec.message($0) }
            }
            return try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteCodec.messageColumns) FROM outbox ORDER BY id DESC LIMIT ?",
                arguments: [limit]
            ).map { try SQLiteCodec.message($0) }
        }
    }

    /// The message with this id.
    public func message(id: String) async throws -> OutboxMessage? {
        try await read("message") { db in
            try Row.fetchOne(db, sql: "SELECT \(SQLiteCodec.messageColumns) FROM outbox WHERE id = ?", arguments: [id])
                .map { try SQLiteCodec.message($0) }
        }
    }

    /// Makes a failed message pending again, due at `date`, with no attempts counted; returns whether it
    /// was a failed message.
    public func retryMessage(id: String, at date: Date) async throws -> Bool {
        try await write("retry_message") { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, leased_until = NULL
                    WHERE id = ? AND status = 'failed'
                    """,
                arguments: [SQLiteCodec.millis(date), id]
            )
            return db.changesCount == 1
        }
    }

    /// Deletes sent messages sent before `date` and failed ones last due before it; returns how many.
    public func deleteMessages(endedBefore date: Date) async throws -> Int {
        try await write("delete_messages") { db in
            try db.execute(
                sql: "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND COALESCE(sent_at, next_attempt_at) < ?",
                arguments: [SQLiteCodec.millis(date)]
            )
            return db.changesCount
        }
    }

    /// Inserts messages inside the caller's transaction; a taken id is `AccountError.Code.conflict`.
    static func insertMessages(_ messages: [OutboxMessage], in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO outbox (\(SQLiteCodec.messageColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        for message in messages {
            try statement.execute(arguments: SQLiteCodec.messageArguments(message))
        }
    }
}
