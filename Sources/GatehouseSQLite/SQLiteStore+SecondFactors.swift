import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// The account's TOTP factor, pending or confirmed.
    public func totpFactor(accountID: String) async throws -> TOTPFactorRecord? {
        try await read("totp_factor") { db in
            let statement = try db.cachedStatement(sql: "SELECT \(SQLiteCodec.totpFactorColumns) FROM totp_factors WHERE account_id = ?")
            return try Row.fetchOne(statement, arguments: [accountID]).map { try SQLiteCodec.totpFactor($0) }
        }
    }

    /// Stores `factor` as the account's pending factor, replacing a pending one; returns `false`, writing
    /// nothing, when the account has a confirmed factor or does not exist.
    ///
    /// The account is looked up in the write transaction of the upsert, which replaces only a row whose
    /// `confirmed_at` is `NULL`; SQLite runs one write transaction at a time, so nothing slips in between.
    /// The account's recovery codes are left as they are.
    public func beginTOTPEnrolment(_ factor: TOTPFactorRecord) async throws -> Bool {
        try await write("begin_totp_enrolment") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE id = ?", arguments: [factor.accountID]) ?? false else {
                return false
            }
            try db.execute(
                sql: """
                    INSERT INTO totp_factors (account_id, sealed_secret, created_at, confirmed_at, last_used_step)
                    VALUES (?, ?, ?, NULL, ?)
                    ON CONFLICT (account_id) DO UPDATE
                    SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at,
                        last_used_step = excluded.last_used_step
                    WHERE totp_factors.confirmed_at IS NULL
                    """,
                arguments: [factor.accountID, SQLiteCodec.blob(factor.sealedSecret), SQLiteCodec.millis(factor.createdAt), factor.lastUsedStep]
            )
            return db.changesCount == 1
        }
    }

    /// Confirms the account's pending factor created at `createdAt` (compared as stored, in whole
    /// milliseconds), records `step` as used and replaces the account's recovery codes with
    /// `recoveryCodeHashes`, with the trail, in one transaction; returns `false`, writing nothing, when
    /// there is no such pending factor.
    public func confirmTOTP(
        accountID: String,
        createdAt: Date,
        step: Int64,
        recoveryCodeHashes: [[UInt8]],
        at date: Date,
        audit: AuditTrail
    ) async throws -> Bool {
        try await write("confirm_totp") { db in
            try db.execute(
                sql: """
                    UPDATE totp_factors SET confirmed_at = ?, last_used_step = ?
                    WHERE account_id = ? AND confirmed_at IS NULL AND created_at = ?
                    """,
                arguments: [SQLiteCodec.millis(date), step, accountID, SQLiteCodec.millis(createdAt)]
            )
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM recovery_codes WHERE account_id = ?", arguments: [accountID])
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO recovery_codes (account_id, hash, used_at) VALUES (?, ?, NULL)")
            for hash in recoveryCodeHashes {
                try insert.execute(arguments: [accountID, SQLiteCodec.blob(hash)])
            }
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// Records `step` as the last used one with one conditional `UPDATE`: only on a confirmed factor,
    /// and only when it is later than the one recorded. Returns whether it was.
    public func useTOTPStep(accountID: String, step: Int64) async throws -> Bool {
        try await write("use_totp_step") { db in
            try db.execute(
                sql: """
                    UPDATE totp_factors SET last_used_step = ?
                    WHERE account_id = ? AND confirmed_at IS NOT NULL AND last_used_step < ?
                    """,
                arguments: [step, accountID, step]
            )
            return db.changesCount == 1
        }
    }

    /// Marks the account's unused recovery code with this digest used, with one conditional `UPDATE`,
    /// and writes the trail in the same transaction when it did; returns whether it did.
    public func useRecoveryCode(accountID: String, hash: [UInt8], at date: Date, audit: AuditTrail) async throws -> Bool {
        try await write("use_recovery_code") { db in
            try db.execute(
                sql: "UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND hash = ? AND used_at IS NULL",
                arguments: [SQLiteCodec.millis(date), accountID, SQLiteCodec.blob(hash)]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insertAudit(audit, in: db)
            return true
        }
    }

    /// How many of the account's recovery codes are still unused.
    public func unusedRecoveryCodeCount(accountID: String) async throws -> Int {
        try await read("unused_recovery_code_count") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL", arguments: [accountID]) ?? 0
        }
    }

    /// Deletes the account's factor and recovery codes in one transaction, with the trail when there
    /// was a factor; returns whether there was one.
    public func deleteTOTP(accountID: String, audit: AuditTrail) async throws -> Bool {
        try await write("delete_totp") { db in
            try db.execute(sql: "DELETE FROM totp_factors WHERE account_id = ?", arguments: [accountID])
            let existed = db.changesCount == 1
            try db.execute(sql: "DELETE FROM recovery_codes WHERE account_id = ?", arguments: [accountID])
            if existed { try Self.insertAudit(audit, in: db) }
            return existed
        }
    }
}
