import Gatehouse
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Every stored key in the order it was added, retired ones included.
    public func signingKeys() async throws -> [StoredSigningKey] {
        try await withConnection("signing_keys") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.signingKey) FROM signing_keys ORDER BY seq",
                on: connection,
                PostgresCodec.signingKey
            )
        }
    }

    /// Adds the key; a signing key demotes the previous one in the same transaction. Throws
    /// `AccountError.Code.conflict` when the key id is used.
    ///
    /// When two servers add a signing key at the same moment, neither sees the other's new row when
    /// it demotes; the unique index on the signing flag stops the second insert, and the second
    /// server starts over, now demoting the first one's key.
    public func insertSigningKey(_ key: StoredSigningKey, audit: AuditTrail) async throws {
        try await withConnection("insert_signing_key") { connection in
            var attempt = 1
            while true {
                do {
                    try await Self.transaction(on: connection) { connection in
                        if key.isSigning {
                            try await connection.query("UPDATE signing_keys SET is_signing = FALSE WHERE is_signing", logger: Self.queryLogger)
                        }
                        try await connection.query(
                            """
                            INSERT INTO signing_keys (kid, secret, created_at, is_signing, retired)
                            VALUES (\(key.kid), \(ByteBuffer(bytes: key.secret)), \(PostgresTime.millis(key.createdAt)), \(key.isSigning), \(key.retired))
                            """,
                            logger: Self.queryLogger
                        )
                        try await Self.insertAudit(audit, on: connection)
                    }
                    return
                } catch let error where PostgresFailure.isUniqueViolation(error, constraint: "signing_keys_signing_idx") && attempt < 5 {
                    attempt += 1
                } catch let error where PostgresFailure.isUniqueViolation(error, constraint: "signing_keys_pkey") {
                    throw AccountError.conflict(.keyIDTaken)
                } catch let error where PostgresFailure.isUniqueViolation(error) {
                    throw AccountError.conflict(.concurrentKeyChange)
                }
            }
        }
    }

    /// Retires a verification-only key; returns whether one was retired (the signing key never is).
    public func retireSigningKey(kid: String, audit: AuditTrail) async throws -> Bool {
        try await withConnection("retire_signing_key") { connection in
            try await Self.auditing(audit, on: connection, tookEffect: { $0 }) { connection in
                try await Self.count(
                    """
                    UPDATE signing_keys SET retired = TRUE WHERE kid = \(kid) AND NOT is_signing AND NOT retired RETURNING 1
                    """,
                    on: connection
                ) > 0
            }
        }
    }
}
