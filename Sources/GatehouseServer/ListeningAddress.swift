/// Where a started server accepts connections.
public struct ListeningAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host the server was told to listen on.
    public var host: String
    /// The port it is bound to (the one the system chose when ``ServerConfiguration/port`` is 0).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port` (`[v6]:port` for an IPv6 address), as `--metrics-address` takes it; `nil` for anything
    /// else, and for port 0 or above 65535.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            return nil
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "[" || $0 == "]" }) else { return nil }
        self.init(host: host, port: port)
    }

    /// `http://host:port`, with IPv6 hosts in brackets.
    public var url: String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(bracketed):\(port)"
    }

    public var description: String { url }
}
