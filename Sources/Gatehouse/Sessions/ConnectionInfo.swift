/// Who is calling: the client's IP address and `User-Agent`, as stored on a session for the user's
/// device list. The user agent is also bound into each token, by a keyed hash.
public struct ConnectionInfo: Sendable, Equatable, Codable {
    /// The client's IP address, as text.
    public var ip: String
    /// The client's `User-Agent` header; empty when it sent none.
    public var userAgent: String

    public init(ip: String, userAgent: String) {
        self.ip = ip
        self.userAgent = userAgent
    }
}
