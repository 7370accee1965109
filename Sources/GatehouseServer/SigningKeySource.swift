/// Where the server's token signing key comes from.
///
/// The description never contains the secret, so a configuration can be logged whole.
public enum SigningKeySource: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Keys kept in the database: generated on first start, rotated with `gatehouse keys rotate`.
    case database
    /// One HS256 secret whose UTF-8 bytes are the HMAC key (key id `default`), as Powership's
    /// `getTokenSecret` supplies it.
    case secret(String)
    /// A file whose contents (without trailing white space) are such a secret, so the secret stays
    /// out of the process list and the environment.
    case keyFile(path: String)

    public var description: String {
        switch self {
        case .database: "keys kept in the database"
        case .secret: "a configured secret (hidden)"
        case .keyFile(let path): "the secret in \(path)"
        }
    }

    public var debugDescription: String { description }
}
