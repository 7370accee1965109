import Gatehouse

import struct Foundation.Date

/// Instants as stored: whole milliseconds since 1970 in a `BIGINT`, so that every engine that speaks
/// the PostgreSQL protocol compares and indexes them the same way, whatever its timestamp types do.
enum PostgresTime {
    /// Rounded as every store rounds (`StoredTime`), so that a time read back from a column equals the
    /// same time read back from the packed history or another store.
    static func millis(_ date: Date) -> Int64 {
        StoredTime.millis(date)
    }

    static func date(_ millis: Int64) -> Date {
        StoredTime.date(millis)
    }
}
