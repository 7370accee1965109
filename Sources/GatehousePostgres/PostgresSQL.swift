/// SQL fragments shared by several statements.
enum PostgresSQL {
    /// The database's clock, in the milliseconds every time column holds.
    static let nowMillis = "(extract(epoch from clock_timestamp()) * 1000)::bigint"
}
