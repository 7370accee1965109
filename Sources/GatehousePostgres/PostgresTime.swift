import struct Foundation.Date

/// Instants as stored: whole milliseconds since 1970 in a `BIGINT`, so that every engine that speaks
/// the PostgreSQL protocol compares and indexes them the same way, whatever its timestamp types do.
enum PostgresTime {
    /// Rounded to the nearest millisecond, as `SupersededSecret.pack(_:)` does, so that a time read
    /// back from a column equals the same time read back from the packed history.
    static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(_ millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
