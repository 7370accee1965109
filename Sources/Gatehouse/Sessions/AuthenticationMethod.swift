/// How a session's holder proved who they are, remembered with the session (see
/// ``SessionRecord/authenticationMethods``) so that sensitive actions can ask how recent and how strong
/// that proof was.
///
/// A set of well-known methods, open to applications that log people in some other way.
public struct AuthenticationMethod: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The account's password.
    public static let password = AuthenticationMethod(rawValue: "password")
    /// A code from an authenticator app (TOTP).
    public static let totp = AuthenticationMethod(rawValue: "totp")
    /// A single-use recovery code, in place of the authenticator app.
    public static let recoveryCode = AuthenticationMethod(rawValue: "recovery_code")
    /// A passkey, verified by the authenticator (WebAuthn with user verification): something held and
    /// something known or inherent, so it counts as two factors on its own.
    public static let passkey = AuthenticationMethod(rawValue: "passkey")
    /// An identity provider's signed answer (OpenID Connect).
    public static let provider = AuthenticationMethod(rawValue: "provider")

    /// Packs methods into one column value: comma-separated, in order. Method names never hold a comma.
    public static func pack(_ methods: [AuthenticationMethod]) -> String {
        methods.map(\.rawValue).joined(separator: ",")
    }

    /// Reads a value ``pack(_:)`` wrote; `nil` or empty gives no method.
    public static func unpack(_ packed: String?) -> [AuthenticationMethod] {
        guard let packed, !packed.isEmpty else { return [] }
        return packed.split(separator: ",").map { AuthenticationMethod(rawValue: String($0)) }
    }
}
