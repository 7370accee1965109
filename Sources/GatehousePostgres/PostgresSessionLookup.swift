import Gatehouse
import PostgresNIO

/// The per-request read, prepared once per connection: the server plans the three-table join once
/// instead of on every request, which is most of what the query costs it.
struct PostgresSessionLookup: PostgresPreparedStatement {
    static let name = "gatehouse_session_with_account_v2"
    static let sql = """
        SELECT \(PostgresCodec.session), \(PostgresCodec.account)
        FROM sessions s
        LEFT JOIN accounts a ON a.account_id = s.account_id
        LEFT JOIN contacts c ON c.account_id = s.account_id AND c.is_primary
        WHERE s.id = $1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]

    struct Row: Sendable {
        var session: SessionRecord
        var account: AccountRecord?
    }

    var id: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cursor = PostgresCursor(row)
        return Row(session: try PostgresCodec.session(&cursor), account: try PostgresCodec.account(&cursor))
    }
}
