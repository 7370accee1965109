import Gatehouse
import PostgresNIO

/// The per-request read, prepared once per connection: the server plans the three-table join once
/// instead of on every request, which is most of what the query costs it. It takes the ids of every
/// request of a batch (concurrent reads share one query, one round trip) and answers a row per session
/// found, in no particular order.
struct PostgresSessionLookup: PostgresPreparedStatement {
    static let name = "gatehouse_sessions_with_accounts_v3"
    static let sql = """
        SELECT \(PostgresCodec.session), \(PostgresCodec.account)
        FROM sessions s
        LEFT JOIN accounts a ON a.account_id = s.account_id
        LEFT JOIN contacts c ON c.account_id = s.account_id AND c.is_primary
        WHERE s.id = ANY($1)
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray]

    struct Row: Sendable {
        var session: SessionRecord
        var account: AccountRecord?
    }

    var ids: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cursor = PostgresCursor(row)
        return Row(session: try PostgresCodec.session(&cursor), account: try PostgresCodec.account(&cursor))
    }
}
