import Gatehouse
import NIOCore
import PostgresNIO

/// One compare-and-swap write to a session, prepared once per connection: it runs on nearly every
/// authenticated request, so the server should not plan it each time.
///
/// A rotation takes its commit time from the database's clock when the statement runs (or from the
/// store's own clock, when it has one, read just before sending): a statement held up by a partition is
/// stamped when it finally runs, which is when other requests can see it.
struct PostgresSessionUpdateStatement: PostgresPreparedStatement {
    static let name = "gatehouse_update_session_v3"
    static let sql = """
        UPDATE sessions SET
            current_hash = $3, previous_hash = $4,
            rotated_at = CASE WHEN $11 THEN stamp.t ELSE $5 END,
            older_secrets = $6, current_presented = $7,
            last_used_at = CASE WHEN $11 THEN stamp.t ELSE $8 END,
            ip = $9, user_agent = $10
        FROM (SELECT COALESCE($12, \(PostgresSQL.nowMillis)) AS t) AS stamp
        WHERE id = $1 AND current_hash = $2 AND valid
          AND ($13::bytea IS NULL OR previous_hash = $13) AND (NOT $14 OR NOT current_presented)
        RETURNING TRUE
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .bytea, .bytea, .bytea, .int8, .bytea, .bool, .int8, .text, .text, .bool, .int8, .bytea, .bool,
    ]

    /// One `true` row when the update was applied, no row otherwise. (The driver's command-tag
    /// variant of `execute` is not used: it can trap when the tag arrives before the stream settles.)
    typealias Row = Bool

    var update: SessionUpdate
    /// The commit time from the store's clock; `nil` for the database's.
    var commitMillis: Int64?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 14)
        bindings.append(update.sessionID)
        bindings.append(ByteBuffer(bytes: update.expectedCurrentHash))
        bindings.append(ByteBuffer(bytes: update.currentHash))
        bindings.append(update.previousHash.map { ByteBuffer(bytes: $0) })
        bindings.append(update.rotatedAt.map(PostgresTime.millis))
        bindings.append(ByteBuffer(bytes: SupersededSecret.pack(update.olderSecrets)))
        bindings.append(update.currentPresented)
        bindings.append(PostgresTime.millis(update.lastUsedAt))
        bindings.append(update.ip)
        bindings.append(update.userAgent)
        bindings.append(update.takesCommitTime)
        bindings.append(commitMillis)
        bindings.append(update.expectedPreviousHash.map { ByteBuffer(bytes: $0) })
        bindings.append(update.requiresUnpresentedCurrent)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cursor = PostgresCursor(row)
        return try cursor.next(Bool.self)
    }
}
