import Gatehouse
import NIOCore
import PostgresNIO

import struct Foundation.Date

extension PostgresStore {
    /// The account's TOTP factor, pending or confirmed.
    public func totpFactor(accountID: String) async throws -> TOTPFactorRecord? {
        try await withConnection("totp_factor") { connection in
            try await Self.records(
                "SELECT \(unescaped: PostgresCodec.totpFactor) FROM totp_factors WHERE account_id = \(accountID)",
                on: connection,
                PostgresCodec.totpFactor
            ).first
        }
    }

    /// Stores `factor` as the account's pending factor, replacing a pending one; returns `false`, writing
    /// nothing, when the account has a confirmed factor or does not exist.
    ///
    /// One statement decides, so that two enrolments or an enrolment and a confirmation cannot both
    /// win: it inserts only when the account is there, holding its row (`FOR KEY SHARE`) so that a
    /// deletion of the account waits for it, or it for the deletion, and on conflict replaces only a
    /// factor whose `confirmed_at` is `NULL`. The account's recovery codes are left as they are.
    public func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool {
        try await withConnection("begin_totp_enrolment") { connection in
            try await Self.count(
                """
                INSERT INTO totp_factors (account_id, sealed_secret, created_at, confirmed_at, last_used_step)
                SELECT account_id, \(ByteBuffer(bytes: factor.sealedSecret)), \(PostgresTime.millis(factor.createdAt)), NULL,
                       \(factor.lastUsedStep)
                FROM accounts WHERE account_id = \(factor.accountID) FOR KEY SHARE
                ON CONFLICT (account_id) DO UPDATE
                SET sealed_secret = EXCLUDED.sealed_secret, created_at = EXCLUDED.created_at, last_used_step = EXCLUDED.last_used_step
                WHERE totp_factors.confirmed_at IS NULL
                RETURNING 1
                """,
                on: connection
            ) > 0
        }
    }

    /// Confirms the account's pending factor created at `createdAt` (compared as stored, in whole
    /// milliseconds), records `step` as used and replaces the account's recovery codes with
    /// `recoveryCodeHashes`, with the trail, in one transaction; returns `false`, writing nothing, when
    /// there is no such pending factor.
    ///
    /// The conditional `UPDATE` locks the factor's row: a second confirmation, or an enrolment restarted
    /// meanwhile, waits for the transaction and then finds the factor confirmed.
    public func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool {
        try await withConnection("confirm_totp") { connection in
            try await Self.transaction(on: connection) { connection in
                let confirmed = try await Self.count(
                    """
                    UPDATE totp_factors SET confirmed_at = \(PostgresTime.millis(date)), last_used_step = \(step)
                    WHERE account_id = \(accountID) AND confirmed_at IS NULL AND created_at = \(PostgresTime.millis(createdAt))
                    RETURNING 1
                    """,
                    on: connection
                )
                guard confirmed > 0 else { return false }
                try await connection.query("DELETE FROM recovery_codes WHERE account_id = \(accountID)", logger: Self.queryLogger)
                for hash in recoveryCodeHashes {
                    try await connection.query(
                        """
                        INSERT INTO recovery_codes (account_id, hash, used_at) VALUES (\(accountID), \(ByteBuffer(bytes: hash)), NULL)
                        ON CONFLICT (account_id, hash) DO NOTHING
                        """,
                        logger: Self.queryLogger
                    )
                }
                try await Self.insertAudit(audit, on: connection)
                return true
            }
        }
    }

    /// Records `step` as the last used one with one conditional `UPDATE`: only on a confirmed factor,
    /// and only when it is later than the one recorded. Returns whether it was.
    public func useTOTPStep(accountID: String, step: Int64) async throws -> Bool {
        try await withConnection("use_totp_step") { connection in
            try await Self.count(
                """
                UPDATE totp_factors SET last_used_step = \(step)
                WHERE account_id = \(accountID) AND confirmed_at IS NOT NULL AND last_used_step < \(step)
                RETURNING 1
                """,
                on: connection
            ) > 0
        }
    }

    /// Marks the account's unused recovery code with this digest used, with one conditional `UPDATE`,
    /// and writes the trail in the same transaction when it did; returns whether it did.
    public func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await withConnection("use_recovery_code") { connection in
            try await Self.auditing(audit, on: connection, tookEffect: { $0 }) { connection in
                try await Self.count(
                    """
                    UPDATE recovery_codes SET used_at = \(PostgresTime.millis(date))
                    WHERE account_id = \(accountID) AND hash = \(ByteBuffer(bytes: hash)) AND used_at IS NULL
                    RETURNING 1
                    """,
                    on: connection
                ) > 0
            }
        }
    }

    /// How many of the account's recovery codes are still unused.
    public func unusedRecoveryCodeCount(accountID: String) async throws -> Int {
        try await withConnection("unused_recovery_code_count") { connection in
            try await Self.records(
                "SELECT COUNT(*) FROM recovery_codes WHERE account_id = \(accountID) AND used_at IS NULL",
                on: connection
            ) { cursor in Int(try cursor.next(Int64.self)) }.first ?? 0
        }
    }

    /// Deletes the account's factor and recovery codes in one transaction, with the trail when there
    /// was a factor; returns whether there was one.
    public func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await withConnection("delete_totp") { connection in
            try await Self.transaction(on: connection) { connection in
                let existed = try await Self.count("DELETE FROM totp_factors WHERE account_id = \(accountID) RETURNING 1", on: connection) > 0
                try await connection.query("DELETE FROM recovery_codes WHERE account_id = \(accountID)", logger: Self.queryLogger)
                if existed { try await Self.insertAudit(audit, on: connection) }
                return existed
            }
        }
    }
}
