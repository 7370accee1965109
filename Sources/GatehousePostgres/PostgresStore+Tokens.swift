import Gatehouse
import NIOCore
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// Stores the token and enqueues its messages in one transaction. Throws `AccountError.Code.conflict`
    /// when a token with the same id or hash, or a message with the same id, exists, and
    /// `AccountError.Code.userNotFound` when the account does not; then nothing is written.
    public func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws {
        try await withConnection("insert_token") { connection in
            try await Self.transaction(on: connection) { connection in
                do {
                    try await connection.query(
                        """
                        INSERT INTO one_time_tokens (id, account_id, kind, created_for, hash, reason, created_at, expires_at, used_at)
                        VALUES (\(token.id), \(token.accountID), \(token.kind.rawValue), \(token.createdFor), \(ByteBuffer(bytes: token.hash)),
                                \(token.reason), \(PostgresTime.millis(token.createdAt)), \(PostgresTime.millis(token.expiresAt)),
                                \(token.usedAt.map(PostgresTime.millis)))
                        """,
                        logger: Self.queryLogger
                    )
                } catch let error where PostgresFailure.violation(error) != nil {
                    if PostgresFailure.isUniqueViolation(error) {
                        throw AccountError.conflict(.idTaken)
                    }
                    throw AccountError.userNotFound
                }
                try await Self.insertMessages(messages, on: connection)
            }
        }
    }

    /// Marks the token used and returns it in one conditional `UPDATE`: of two servers consuming the
    /// same token at once, exactly one gets it.
    public func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        let now = PostgresTime.millis(date)
        return try await withConnection("consume_token") { connection in
            try await Self.records(
                """
                UPDATE one_time_tokens SET used_at = \(now)
                WHERE hash = \(ByteBuffer(bytes: hash)) AND kind = \(kind.rawValue) AND used_at IS NULL AND expires_at > \(now)
                RETURNING \(unescaped: PostgresCodec.token)
                """,
                on: connection,
                PostgresCodec.token
            ).first
        }
    }

    /// Deletes the account's tokens of one kind, used or not; returns the count.
    public func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        try await withConnection("delete_tokens") { connection in
            try await Self.records(
                """
                WITH deleted AS (
                    DELETE FROM one_time_tokens WHERE account_id = \(accountID) AND kind = \(kind.rawValue) RETURNING 1
                )
                SELECT count(*) FROM deleted
                """,
                on: connection
            ) { cursor in
                Int(try cursor.next(Int64.self))
            }.first ?? 0
        }
    }

    /// The account's tokens of one kind, in the order they were created.
    public func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        try await withConnection("tokens") { connection in
            try await Self.records(
                """
                SELECT \(unescaped: PostgresCodec.token) FROM one_time_tokens
                WHERE account_id = \(accountID) AND kind = \(kind.rawValue) ORDER BY seq
                """,
                on: connection,
                PostgresCodec.token
            )
        }
    }
}
