/// Why a session ended, as stored on its row (``SessionRecord/revokedReason``).
///
/// A closed set of well-known reasons, extensible by stores and applications that need their own
/// (the raw value is what the store keeps).
public struct RevocationReason: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// The session's owner logged out (or ended it from the device list).
    public static let logout = RevocationReason(rawValue: "logout")
    /// A superseded token was replayed: the session was revoked as stolen.
    public static let tokenTheft = RevocationReason(rawValue: "token_theft")
    /// The account's password changed or was reset.
    public static let passwordChanged = RevocationReason(rawValue: "password_changed")
    /// The account was deactivated.
    public static let deactivated = RevocationReason(rawValue: "deactivated")
    /// An operator ended it.
    public static let administrator = RevocationReason(rawValue: "administrator")

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
