/// Why an ``SMTPConfiguration`` cannot be used: found when the ``SMTPTransport`` is made, before any
/// message is sent.
public struct SMTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in a few words.
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "invalid SMTP configuration: \(reason)" }
}
