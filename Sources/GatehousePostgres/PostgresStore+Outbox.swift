import Gatehouse
import NIOCore
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// Adds messages in one transaction; a taken id is `AccountError.Code.conflict` and writes none of them.
    public func enqueue(_ messages: [OutboxMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await withConnection("enqueue_messages") { connection in
            try await Self.transaction(on: connection) { connection in
                try await Self.insertMessages(messages, on: connection)
            }
        }
    }

    /// Claims the due, pending, unleased messages of a channel, oldest first, and leases them, in one
    /// statement.
    ///
    /// The candidates are locked with `FOR UPDATE SKIP LOCKED`: a claim running at the same moment on
    /// another server passes over the rows this one is leasing instead of waiting for them, and a row
    /// whose lease another claim committed meanwhile is checked again and left out. So no two claims
    /// return the same message, and none waits on another.
    public func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage] {
        guard limit > 0 else { return [] }
        let now = PostgresTime.millis(date)
        let lease = PostgresTime.millis(leaseUntil)
        let claimed = try await withConnection("claim_messages") { connection in
            try await Self.records(
                """
                UPDATE outbox SET leased_until = \(lease)
                WHERE id IN (
                    SELECT id FROM outbox
                    WHERE status = 'pending' AND channel = \(channel.rawValue) AND next_attempt_at <= \(now)
                        AND (leased_until IS NULL OR leased_until <= \(now))
                    ORDER BY next_attempt_at, id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING \(unescaped: PostgresCodec.message)
                """,
                on: connection,
                PostgresCodec.message
            )
        }
        // `RETURNING` follows no order.
        return claimed.sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
    }

    /// Marks a message sent: the attempt that delivered it counts, its payload and lease go.
    public func markSent(id: String, at date: Date) async throws {
        _ = try await withConnection("mark_message_sent") { connection in
            try await connection.query(
                """
                UPDATE outbox SET status = 'sent', sent_at = \(PostgresTime.millis(date)), payload = '', leased_until = NULL,
                    attempts = attempts + 1
                WHERE id = \(id) AND status = 'pending'
                """,
                logger: Self.queryLogger
            )
        }
    }

    /// Records a failed attempt and when to try again; the lease ends.
    public func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        _ = try await withConnection("mark_message_for_retry") { connection in
            try await connection.query(
                """
                UPDATE outbox SET attempts = \(Int32(clamping: attempts)), next_attempt_at = \(PostgresTime.millis(nextAttemptAt)),
                    last_error = \(error), leased_until = NULL
                WHERE id = \(id) AND status = 'pending'
                """,
                logger: Self.queryLogger
            )
        }
    }

    /// Marks a message failed for good; it keeps its payload, and its `next_attempt_at` dates its end.
    public func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws {
        _ = try await withConnection("mark_message_failed") { connection in
            try await connection.query(
                """
                UPDATE outbox SET status = 'failed', attempts = \(Int32(clamping: attempts)), last_error = \(error), leased_until = NULL,
                    next_attempt_at = \(PostgresTime.millis(date))
                WHERE id = \(id) AND status = 'pending'
                """,
                logger: Self.queryLogger
            )
        }
    }

    /// Messages, newest (greatest id) first: all of them, or those with `status`.
    public func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage] {
        guard limit > 0 else { return [] }
        return try await withConnection("messages") { connection in
            if let status {
                return try await Self.records(
                    """
                    SELECT \(unescaped: PostgresCodec.message) FROM outbox WHERE status = \(status.rawValue)
                    ORDER BY id DESC LIMIT \(limit)
                    """,
                    on: connection,
                    PostgresCodec.message
                )
            }
            return try await Self.records(
                "SELECT \(unescaped: PostgresCodec.message) FROM outbox ORDER BY id DESC LIMIT \(limit)",
                on: connection,
                PostgresCodec.message
            )
        }
    }

    /// The message with this id.
    public func message(id: String) async throws -> OutboxMessage? {
        try await withConnection("message") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.message) FROM outbox WHERE id = \(id)",
                on: connection,
                PostgresCodec.message
            ).first
        }
    }

    /// Makes a failed message pending again, due at `date`, with no attempts counted; returns whether it
    /// was a failed message.
    public func retryMessage(id: String, at date: Date) async throws -> Bool {
        try await withConnection("retry_message") { connection in
            try await Self.count(
                """
                UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = \(PostgresTime.millis(date)), leased_until = NULL
                WHERE id = \(id) AND status = 'failed'
                RETURNING 1
                """,
                on: connection
            ) > 0
        }
    }

    /// Deletes sent messages sent before `date` and failed ones last due before it; returns how many.
    public func deleteMessages(endedBefore date: Date) async throws -> Int {
        let millis = PostgresTime.millis(date)
        return try await withConnection("delete_messages") { connection in
            try await Self.records(
                """
                WITH deleted AS (
                    DELETE FROM outbox
                    WHERE status IN ('sent', 'failed') AND COALESCE(sent_at, next_attempt_at) < \(millis)
                    RETURNING 1
                )
                SELECT count(*) FROM deleted
                """,
                on: connection
            ) { cursor in
                Int(try cursor.next(Int64.self))
            }.first ?? 0
        }
    }

    /// Inserts messages inside the caller's transaction; a taken id is `AccountError.Code.conflict`.
    static func insertMessages(_ messages: [OutboxMessage], on connection: PostgresConnection) async throws {
        for message in messages {
            do {
                try await connection.query(
                    """
                    INSERT INTO outbox (\(unescaped: PostgresCodec.message))
                    VALUES (\(message.id), \(message.channel.rawValue), \(message.kind), \(message.accountID), \(message.recipient),
                            \(message.payload), \(message.status.rawValue), \(Int32(clamping: message.attempts)),
                            \(PostgresTime.millis(message.createdAt)), \(PostgresTime.millis(message.nextAttemptAt)),
                            \(message.leasedUntil.map(PostgresTime.millis)), \(message.lastError), \(message.sentAt.map(PostgresTime.millis)))
                    """,
                    logger: queryLogger
                )
            } catch let error where PostgresFailure.isUniqueViolation(error) {
                throw AccountError.conflict(.idTaken)
            }
        }
    }
}
