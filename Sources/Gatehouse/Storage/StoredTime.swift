import struct Foundation.Date

/// Instants as every store keeps them: whole milliseconds since 1970, rounded to the nearest.
///
/// One rule for all of them, so that a time read back from a SQLite column, a PostgreSQL column, a
/// packed history or `MemoryStore` is the same `Date`, and the audit trail and webhooks state what a
/// store will read back.
package enum StoredTime {
    package static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    package static func date(_ millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    /// `date` as a store reads it back.
    package static func rounded(_ date: Date) -> Date {
        self.date(millis(date))
    }
}
