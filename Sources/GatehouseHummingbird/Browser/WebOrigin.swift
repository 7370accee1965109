/// The scheme, host and port of an `Origin` or `Referer` value.
@_spi(Fuzzing) public struct WebOrigin: Equatable {
    var scheme: String
    var host: String
    var port: Int?

    /// Parses `scheme://host[:port][/…]`; `nil` for anything else, including `null`.
    @_spi(Fuzzing) public init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), let (host, port) = Self.split(authority: authority) else { return nil }
        self.host = host
        self.port = port
    }

    /// The origin as a browser serialises it (`https://example.com`, `http://localhost:8080`).
    @_spi(Fuzzing) public var serialized: String {
        port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }

    private var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// Whether a request's `Host` (authority) names this origin; a missing port means this origin's
    /// scheme's default port.
    @_spi(Fuzzing) public func matches(authority: String) -> Bool {
        guard let (otherHost, otherPort) = Self.split(authority: authority[...]) else { return false }
        return otherHost == host && (otherPort ?? (scheme == "https" ? 443 : 80)) == effectivePort
    }

    /// Splits `host[:port]` (with IPv6 literals in brackets); lower-cases the host.
    private static func split(authority: Substring) -> (String, Int?)? {
        guard !authority.isEmpty else { return nil }
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let host = authority[...close].lowercased()
            let rest = authority[authority.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            guard rest.first == ":", let port = Int(rest.dropFirst()) else { return nil }
            return (host, port)
        }
        let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
        switch pieces.count {
        case 1:
            return (authority.lowercased(), nil)
        case 2:
            guard !pieces[0].isEmpty, let port = Int(pieces[1]) else { return nil }
            return (pieces[0].lowercased(), port)
        default:
            return nil
        }
    }
}
