import Foundation
import Gatehouse
import PostgresNIO

extension PostgresStore {
    /// Counts one attempt under every limit, or none, in one transaction. Each counter row is locked as
    /// it is counted — keys in sorted order, so two attempts never wait on each other in a cycle — and
    /// a refusal rolls back what was counted before it: every server on the database sees the same counts.
    public func reserveAttempt(under limits: [ThrottleLimit], at date: Date) async throws -> ThrottleVerdict {
        let now = PostgresTime.millis(date)
        let sorted = limits.sorted { $0.key < $1.key }
        do {
            return try await reserve(sorted, now: now)
        } catch let refused as RefusedAttempt {
            return .refused(retryAfter: refused.retryAfter)
        }
    }

    private func reserve(_ sorted: [ThrottleLimit], now: Int64) async throws -> ThrottleVerdict {
        try await withConnection("reserve_attempt") { connection in
            try await Self.transaction(on: connection) { connection in
                var wait: Int64 = 0
                for limit in sorted {
                    let windowEnd = now + Int64((limit.window.seconds * 1000).rounded())
                    let counted = try await Self.count(
                        """
                        INSERT INTO throttle_counters AS t (key, count, window_end) VALUES (\(limit.key), 1, \(windowEnd))
                        ON CONFLICT (key) DO UPDATE SET
                            count = CASE WHEN t.window_end <= \(now) THEN 1 ELSE t.count + 1 END,
                            window_end = CASE WHEN t.window_end <= \(now) THEN \(windowEnd) ELSE t.window_end END
                        WHERE t.window_end <= \(now) OR t.count < \(Int64(limit.limit))
                        RETURNING 1
                        """,
                        on: connection
                    )
                    guard counted == 0 else { continue }
                    let ends = try await Self.records(
                        "SELECT window_end FROM throttle_counters WHERE key = \(limit.key)",
                        on: connection
                    ) { cursor in try cursor.next(Int64.self) }
                    wait = max(wait, (ends.first ?? now) - now, 1)
                }
                guard wait > 0 else { return .reserved }
                // Nothing of a refused attempt may stay counted.
                throw RefusedAttempt(retryAfter: .milliseconds(wait))
            }
        }
    }

    public func releaseAttempt(keys: [String], at date: Date) async throws {
        _ = try await withConnection("release_attempt") { connection in
            try await connection.query(
                "UPDATE throttle_counters SET count = count - 1 WHERE key = ANY(\(keys)::text[]) AND count > 0",
                logger: Self.queryLogger
            )
        }
    }

    public func clearAttempts(keys: [String], prefixes: [String]) async throws {
        try await withConnection("clear_attempts") { connection in
            try await connection.query("DELETE FROM throttle_counters WHERE key = ANY(\(keys)::text[])", logger: Self.queryLogger)
            // A prefix compared as text: LIKE would read `%` and `_` in a username as wildcards.
            for prefix in prefixes {
                try await connection.query(
                    "DELETE FROM throttle_counters WHERE left(key, length(\(prefix))) = \(prefix)",
                    logger: Self.queryLogger
                )
            }
        }
    }

    public func recordTrustedAddress(_ address: String, account: String, at date: Date) async throws {
        _ = try await withConnection("record_trusted_address") { connection in
            try await connection.query(
                """
                INSERT INTO throttle_trusted_addresses (account, address, last_success_at) VALUES (\(account), \(address), \(PostgresTime.millis(date)))
                ON CONFLICT (account, address) DO UPDATE SET last_success_at = EXCLUDED.last_success_at
                """,
                logger: Self.queryLogger
            )
        }
    }

    public func forgetTrustedAddresses(account: String) async throws {
        _ = try await withConnection("forget_trusted_addresses") { connection in
            try await connection.query("DELETE FROM throttle_trusted_addresses WHERE account = \(account)", logger: Self.queryLogger)
        }
    }

    public func isTrustedAddress(_ address: String, account: String, since date: Date) async throws -> Bool {
        try await withConnection("is_trusted_address") { connection in
            try await Self.count(
                """
                SELECT 1 FROM throttle_trusted_addresses
                WHERE account = \(account) AND address = \(address) AND last_success_at >= \(PostgresTime.millis(date))
                """,
                on: connection
            ) > 0
        }
    }

    public func deleteThrottleState(endedBefore date: Date) async throws -> Int {
        let millis = PostgresTime.millis(date)
        return try await withConnection("delete_throttle_state") { connection in
            let counters = try await Self.count("DELETE FROM throttle_counters WHERE window_end < \(millis) RETURNING 1", on: connection)
            let addresses = try await Self.count(
                "DELETE FROM throttle_trusted_addresses WHERE last_success_at < \(millis) RETURNING 1",
                on: connection
            )
            return counters + addresses
        }
    }
}

/// Rolls a refused reservation back, carrying the wait out of the transaction.
struct RefusedAttempt: Error {
    let retryAfter: Duration
}
