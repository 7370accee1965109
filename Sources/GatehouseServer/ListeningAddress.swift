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

    /// `http://host:port`, with IPv6 hosts in brackets.
    public var url: String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(bracketed):\(port)"
    }

    public var description: String { url }
}
