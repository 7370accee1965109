import Gatehouse
import NIOSSL
import PostgresNIO

/// A connection URL in libpq's form, `postgres[ql]://[user[:password]@]host[:port][/database][?parameters]`,
/// read into a `PostgresClient.Configuration`.
///
/// Errors say what is wrong with the URL without repeating any part of it that could be secret.
package struct PostgresURL: Sendable {
    package var username: String
    package var password: String?
    package var host: String
    package var port: Int
    package var database: String?
    package var parameters: [(name: String, value: String)]

    /// The parameters understood; anything else is refused rather than silently ignored.
    static let knownParameters: Set<String> = [
        "sslmode", "sslrootcert", "connect_timeout", "application_name", "options", "host", "port", "user", "password", "dbname",
    ]

    package init(_ text: String) throws(PostgresURL.Invalid) {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else if lowered.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else {
            throw Self.invalid("it must start with postgres:// or postgresql://")
        }
        if rest.contains("#") { throw Self.invalid("it must not contain a fragment (#)") }

        let (beforeQuery, query) = Self.split(rest, at: "?")
        let (authority, path) = Self.split(beforeQuery, at: "/")

        var userInfo: Substring?
        var hostAndPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostAndPort = authority[authority.index(after: at)...]
        }

        var username = ""
        var password: String?
        if let userInfo {
            let (user, secret) = Self.split(userInfo, at: ":")
            username = try Self.decode(user, part: "user name")
            if let secret { password = try Self.decode(secret, part: "password") }
        }

        var host = ""
        var portText: Substring?
        if hostAndPort.hasPrefix("[") {
            guard let close = hostAndPort.firstIndex(of: "]") else { throw Self.invalid("an IPv6 host must end with ]") }
            host = String(hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close])
            let after = hostAndPort[hostAndPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Self.invalid("only a port may follow an IPv6 host") }
                portText = after.dropFirst()
            }
        } else {
            if hostAndPort.contains(",") { throw Self.invalid("several hosts are not supported") }
            let (name, port) = Self.split(hostAndPort, at: ":")
            host = try Self.decode(name, part: "host")
            portText = port
        }

        var port = 5432
        if let portText, !portText.isEmpty { port = try Self.port(portText) }

        var database: String?
        if let path, !path.isEmpty { database = try Self.decode(path, part: "database name") }

        var parameters: [(name: String, value: String)] = []
        if let query, !query.isEmpty {
            for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
                let (rawName, rawValue) = Self.split(pair, at: "=")
                let name = try Self.decode(rawName, part: "parameter name")
                guard Self.knownParameters.contains(name) else {
                    throw Self.invalid("the parameter '\(name.prefix(40))' is not supported")
                }
                let value = try Self.decode(rawValue ?? "", part: "value of \(name)")
                switch name {
                case "host": host = value
                case "port": port = try Self.port(Substring(value))
                case "user": username = value
                case "password": password = value
                case "dbname": database = value.isEmpty ? nil : value
                default: parameters.append((name, value))
                }
            }
        }

        guard !host.isEmpty else { throw Self.invalid("it must name a host") }
        guard !username.isEmpty else { throw Self.invalid("it must name a user") }
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.parameters = parameters
    }

    package func parameter(_ name: String) -> String? {
        parameters.last { $0.name == name }?.value
    }

    /// Whether the server is on this machine (a socket directory or a loopback address), where
    /// encryption adds nothing and `sslmode` defaults to `disable`.
    package var isLocal: Bool {
        host.hasPrefix("/") || host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    package func configuration() throws(PostgresURL.Invalid) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if host.hasPrefix("/") {
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(host.hasSuffix("/") ? String(host.dropLast()) : host)/.s.PGSQL.\(port)",
                username: username,
                password: password,
                database: database
            )
        } else {
            configuration = PostgresClient.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: try tls()
            )
        }

        var timeout: Duration = .seconds(5)
        if let text = parameter("connect_timeout") {
            guard let seconds = Int(text), seconds >= 0 else { throw Self.invalid("connect_timeout must be a whole number of seconds") }
            // libpq reads 0 as "wait forever"; a bounded wait is kept, only a long one.
            timeout = seconds == 0 ? .seconds(60) : .seconds(max(2, seconds))
        }
        configuration.options.connectTimeout = timeout

        var startup: [(String, String)] = [("application_name", parameter("application_name") ?? "gatehouse")]
        if let options = parameter("options"), !options.isEmpty { startup.append(("options", options)) }
        configuration.options.additionalStartupParameters = startup
        return configuration
    }

    private func tls() throws(PostgresURL.Invalid) -> PostgresClient.Configuration.TLS {
        let mode = parameter("sslmode") ?? (isLocal ? "disable" : "prefer")
        var tls = TLSConfiguration.makeClientConfiguration()
        if let root = parameter("sslrootcert"), !root.isEmpty {
            tls.trustRoots = .file(root)
        }
        switch mode {
        case "disable":
            return .disable
        case "allow", "prefer":
            // As libpq: encryption when the server offers it, without checking who the server is.
            tls.certificateVerification = .none
            return .prefer(tls)
        case "require":
            tls.certificateVerification = .none
            return .require(tls)
        case "verify-ca":
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case "verify-full":
            tls.certificateVerification = .fullVerification
            return .require(tls)
        default:
            throw Self.invalid("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full")
        }
    }

    /// Why a URL cannot be used; the reason never repeats the password.
    package struct Invalid: Error, CustomStringConvertible {
        package let reason: String
        package var description: String { "the database URL is invalid: \(reason)" }
    }

    // MARK: Parsing

    private static func invalid(_ reason: String) -> Invalid {
        Invalid(reason: reason)
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    private static func port(_ text: Substring) throws(PostgresURL.Invalid) -> Int {
        guard let port = Int(text), (1...65_535).contains(port) else {
            throw invalid("the port must be a number from 1 to 65535")
        }
        return port
    }

    /// Percent-decoding; a malformed escape is an error that names the part, not its content.
    private static func decode(_ text: Substring, part: String) throws(PostgresURL.Invalid) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw invalid("the \(part) has a malformed %-escape")
            }
            bytes.append(high << 4 | low)
        }
        let decoded = String(decoding: bytes, as: UTF8.self)
        guard decoded.utf8.elementsEqual(bytes) else { throw invalid("the \(part) is not valid UTF-8") }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
