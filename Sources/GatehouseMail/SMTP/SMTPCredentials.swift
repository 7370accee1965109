/// A user name and password for SMTP authentication (`AUTH PLAIN` or `AUTH LOGIN`).
///
/// Its descriptions never show the password.
public struct SMTPCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The user name to authenticate as.
    public var username: String
    /// The password; it never appears in a description or a delivery error.
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "SMTPCredentials(username: \(username), password: <redacted>)" }
    public var debugDescription: String { description }
}
