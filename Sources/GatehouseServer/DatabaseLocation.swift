/// Where Gatehouse keeps its data: an SQLite file (the embedded default) or a PostgreSQL database.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// An SQLite database file, created on first use; `:memory:` for a throwaway in-memory database.
    case sqlite(path: String)
    /// A PostgreSQL connection URL (`postgres://user:password@host:5432/database`).
    case postgres(url: String)

    /// `./gatehouse.sqlite`, next to where the server is started.
    public static let defaultLocation = DatabaseLocation.sqlite(path: "./gatehouse.sqlite")

    /// The path used for an in-memory SQLite database.
    public static let inMemoryPath = ":memory:"

    /// Reads a `--database` value: a `postgres://` or `postgresql://` URL, or a file path.
    /// Any other URL scheme is refused rather than taken for a file name.
    public static func parse(_ text: String) throws(ServerConfigurationError) -> DatabaseLocation {
        guard !text.isEmpty else { throw ServerConfigurationError("the database must be a file path or a postgres:// URL, not empty") }
        let lowered = text.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            return .postgres(url: text)
        }
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound]
            // The rest of the URL may hold a password: only the scheme is repeated.
            throw ServerConfigurationError("unsupported database URL scheme '\(scheme.prefix(20))': use a file path for SQLite or a postgres:// URL")
        }
        return .sqlite(path: text)
    }

    /// Whether the location is a PostgreSQL database.
    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// The location with any password in a URL replaced by `***`: safe for logs and messages.
    public var description: String {
        switch self {
        case .sqlite(let path):
            return path == Self.inMemoryPath ? "SQLite in memory" : "SQLite file \(path)"
        case .postgres(let url):
            return "PostgreSQL \(Self.redactingPassword(in: url))"
        }
    }

    public var debugDescription: String { description }

    /// `scheme://user:secret@host/db` → `scheme://user:***@host/db`; a URL without a password is
    /// returned unchanged. Query parameters are dropped because they can carry credentials too.
    static func redactingPassword(in url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        if let query = tail.firstIndex(of: "?") { tail = tail[..<query] }
        var redactedAuthority = String(authority)
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                redactedAuthority = "\(userInfo[..<colon]):***\(authority[at...])"
            }
        }
        return "\(url[..<schemeEnd.upperBound])\(redactedAuthority)\(tail)"
    }
}
