import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Every stored key, retired ones included, in the order they were added.
    public func signingKeys() async throws -> [StoredSigningKey] {
        try await read("signing_keys") { db in
            try Row.fetchAll(db, sql: "SELECT \(SQLiteCodec.signingKeyColumns) FROM signing_keys ORDER BY created_at, rowid")
                .map { try SQLiteCodec.signingKey($0) }
        }
    }

    /// Adds a key. When it is the signing key, the previous signing key becomes verification-only in
    /// the same transaction, so there is never a moment with two signing keys or none. Throws
    /// `AccountError.Code.conflict` when the key id is used.
    public func insertSigningKey(_ key: StoredSigningKey, audit: AuditTrail) async throws {
        try await write("insert_signing_key") { db in
            if key.isSigning {
                try db.execute(sql: "UPDATE signing_keys SET is_signing = 0 WHERE is_signing = 1")
            }
            try db.execute(
                sql: "INSERT INTO signing_keys (kid, secret, created_at, is_signing, retired) VALUES (?, ?, ?, ?, ?)",
                arguments: [key.kid, SQLiteCodec.blob(key.secret), SQLiteCodec.millis(key.createdAt), key.isSigning, key.retired]
            )
            try Self.insertAudit(audit, in: db)
        }
    }

    /// Retires a verification-only key; returns whether one with this id was retired. The signing key
    /// cannot be retired: a newer signing key must replace it first.
    public func retireSigningKey(kid: String, audit: AuditTrail) async throws -> Bool {
        try await write("retire_signing_key") { db in
            try db.execute(sql: "UPDATE signing_keys SET retired = 1 WHERE kid = ? AND is_signing = 0 AND retired = 0", arguments: [kid])
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, in: db)
            return true
        }
    }
}
