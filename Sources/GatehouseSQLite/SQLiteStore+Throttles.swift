import Foundation
import GRDB
import Gatehouse

extension SQLiteStore {
    /// Counts one attempt under every limit, or none: the counters are read and written in one write
    /// transaction, which SQLite runs alone, so concurrent attempts — from this process or another on
    /// the same file — are counted one after the other.
    public func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        let now = SQLiteCodec.millis(date)
        return try await write("reserve_attempt") { db in
            var wait: Int64 = 0
            var open: Set<String> = []
            for limit in limits {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: "SELECT count, window_end FROM throttle_counters WHERE key = ?",
                        arguments: [limit.key]
                    )
                else { continue }
                let count: Int = row[0]
                let windowEnd: Int64 = row[1]
                guard windowEnd > now else { continue }
                open.insert(limit.key)
                if count >= limit.limit { wait = max(wait, windowEnd - now) }
            }
            if wait > 0 { return .refused(retryAfter: .milliseconds(wait)) }
            for limit in limits {
                if open.contains(limit.key) {
                    try db.execute(sql: "UPDATE throttle_counters SET count = count + 1 WHERE key = ?", arguments: [limit.key])
                } else {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO throttle_counters (key, count, window_end) VALUES (?, 1, ?)",
                        arguments: [limit.key, now + Int64((limit.window.seconds * 1000).rounded())]
                    )
                }
            }
            return .reserved
        }
    }

    public func releaseAttempt(keys: [String], at date: Date) async throws {
        try await write("release_attempt") { db in
            for key in keys {
                try db.execute(sql: "UPDATE throttle_counters SET count = count - 1 WHERE key = ? AND count > 0", arguments: [key])
            }
        }
    }

    public func clearAttempts(keys: [String], prefixes: [String]) async throws {
        try await write("clear_attempts") { db in
            for key in keys {
                try db.execute(sql: "DELETE FROM throttle_counters WHERE key = ?", arguments: [key])
            }
            // A prefix compared byte for byte: LIKE would read `%` and `_` in a username as wildcards.
            for prefix in prefixes {
                try db.execute(
                    sql: "DELETE FROM throttle_counters WHERE substr(key, 1, length(?)) = ?",
                    arguments: [prefix, prefix]
                )
            }
        }
    }

    public func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        try await write("record_trusted_address") { db in
            try db.execute(
                sql: """
                    INSERT INTO throttle_trusted_addresses (account, address, last_success_at) VALUES (?, ?, ?)
                    ON CONFLICT (account, address) DO UPDATE SET last_success_at = excluded.last_success_at
                    """,
                arguments: [account, address, SQLiteCodec.millis(date)]
            )
        }
    }

    public func forgetTrustedAddresses(account: String) async throws {
        try await write("forget_trusted_addresses") { db in
            try db.execute(sql: "DELETE FROM throttle_trusted_addresses WHERE account = ?", arguments: [account])
        }
    }

    public func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        try await read("is_trusted_address") { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM throttle_trusted_addresses WHERE account = ? AND address = ? AND last_success_at >= ?",
                arguments: [account, address, SQLiteCodec.millis(date)]
            ) ?? false
        }
    }

    public func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        let millis = SQLiteCodec.millis(date)
        return try await write("delete_throttle_state") { db in
            try db.execute(sql: "DELETE FROM throttle_counters WHERE window_end < ?", arguments: [millis])
            let counters = db.changesCount
            try db.execute(sql: "DELETE FROM throttle_trusted_addresses WHERE last_success_at < ?", arguments: [millis])
            return counters + db.changesCount
        }
    }
}
