import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Stores a single-use token and enqueues its messages in one transaction. Throws
    /// `AccountError.Code.conflict` when its hash or id, or the id of one of the messages, exists, and
    /// `AccountError.Code.userNotFound` when its account does not; then nothing is written.
    public func insertToken(_ token: OneTimeTokenRecord, messages: [OutboxMessage]) async throws {
        try await write("insert_token") { db in
            try db.execute(
                sql: """
                    INSERT INTO one_time_tokens (id, account_id, kind, created_for, hash, reason, created_at, expires_at, used_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.id, token.accountID, token.kind.rawValue, token.createdFor, SQLiteCodec.blob(token.hash), token.reason,
                    SQLiteCodec.millis(token.createdAt), SQLiteCodec.millis(token.expiresAt), SQLiteCodec.millis(token.usedAt),
                ]
            )
            try Self.insertMessages(messages, in: db)
        }
    }

    /// Marks the unused, unexpired token with this hash and kind as used, and returns it.
    ///
    /// The conditional `UPDATE` is the claim: of two concurrent calls for the same token, exactly one
    /// changes the row. The read that follows runs in the same transaction.
    public func consumeToken(hash: [UInt8], kind: OneTimeTokenRecord.Kind, at date: Date) async throws -> OneTimeTokenRecord? {
        try await write("consume_token") { db in
            let digest = SQLiteCodec.blob(hash)
            try db.execute(
                sql: "UPDATE one_time_tokens SET used_at = ? WHERE hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?",
                arguments: [SQLiteCodec.millis(date), digest, kind.rawValue, SQLiteCodec.millis(date)]
            )
            guard db.changesCount == 1 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT \(SQLiteCodec.tokenColumns) FROM one_time_tokens WHERE hash = ?", arguments: [digest])
                .map { try SQLiteCodec.token($0) }
        }
    }

    /// Deletes an account's tokens of one kind, used or not; returns how many.
    public func deleteTokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> Int {
        try await write("delete_tokens") { db in
            try db.execute(sql: "DELETE FROM one_time_tokens WHERE account_id = ? AND kind = ?", arguments: [accountID, kind.rawValue])
            return db.changesCount
        }
    }

    /// An account's tokens of one kind, used or not, in the order they were created.
    public func tokens(accountID: String, kind: OneTimeTokenRecord.Kind) async throws -> [OneTimeTokenRecord] {
        try await read("tokens") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(SQLiteCodec.tokenColumns) FROM one_time_tokens WHERE account_id = ? AND kind = ? ORDER BY created_at, rowid",
                arguments: [accountID, kind.rawValue]
            ).map { try SQLiteCodec.token($0) }
        }
    }
}
