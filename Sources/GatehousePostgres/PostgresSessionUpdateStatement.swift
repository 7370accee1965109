import Gatehouse
import NIOCore
import PostgresNIO

/// One compare-and-swap write to a session, prepared once per connection: it runs on nearly every
/// authenticated request, so the server should not plan it each time.
struct PostgresSessionUpdateStatement: PostgresPreparedStatement {
    static let name = "gatehouse_update_session_v1"
    static let sql = """
        UPDATE sessions SET
            current_hash = $3, previous_hash = $4, rotated_at = $5, older_secrets = $6, current_presented = $7,
            last_used_at = $8, ip = $9, user_agent = $10
        WHERE id = $1 AND current_hash = $2 AND valid
        RETURNING TRUE
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .bytea, .bytea, .bytea, .int8, .bytea, .bool, .int8, .text, .text]

    /// One `true` row when the update was applied, no row otherwise. (The driver's command-tag
    /// variant of `execute` is not used: it can trap when the tag arrives before the stream settles.)
    typealias Row = Bool

    var update: SessionUpdate

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
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
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cursor = PostgresCursor(row)
        return try cursor.next(Bool.self)
    }
}
