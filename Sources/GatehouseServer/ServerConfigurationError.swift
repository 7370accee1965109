/// A setting that cannot work: an unparseable value, an out-of-range number, a missing key file.
///
/// The ``message`` names the flag or environment variable the value came from and says what is
/// accepted. It never repeats a secret, and database URLs appear with their password masked.
public struct ServerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A sentence for the operator.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
