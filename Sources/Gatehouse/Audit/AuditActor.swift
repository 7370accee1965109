/// Who caused an ``AuditEvent``.
public struct AuditActor: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The account's owner, or whoever presented its credentials or tokens.
    public static let user = AuditActor(rawValue: "user")
    /// An operator, with the admin commands.
    public static let `operator` = AuditActor(rawValue: "operator")
    /// Gatehouse itself: theft detection, a key created at start-up.
    public static let system = AuditActor(rawValue: "system")
}
