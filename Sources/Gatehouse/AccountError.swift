/// The one error type Gatehouse throws for anything a caller can act on.
///
/// An `AccountError` is identified by its ``code``; codes are open-ended so new ones can be added
/// without breaking callers that switch over the ones they know. Neither ``message`` nor
/// ``description`` ever carries a token, a password, a hash or an e-mail address: they are safe to log
/// and to return to a client.
public struct AccountError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error code (the strings are the seed's, plus Gatehouse's own).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Codes of the original API.
        public static let tokenVerificationFailed = Code(rawValue: "TokenVerificationFailed")
        public static let userNotFound = Code(rawValue: "UserNotFound")
        public static let invalidSession = Code(rawValue: "InvalidSession")
        public static let sessionNotFound = Code(rawValue: "SessionNotFound")
        public static let authenticationFailed = Code(rawValue: "AuthenticationFailed")
        public static let invalidToken = Code(rawValue: "InvalidToken")
        public static let serviceNotFound = Code(rawValue: "ServiceNotFound")
        public static let userDeactivated = Code(rawValue: "UserDeactivated")
        public static let impersonatedUserNotFound = Code(rawValue: "ImpersonatedUserNotFound")
        public static let invalidTokens = Code(rawValue: "InvalidTokens")
        public static let unauthorized = Code(rawValue: "Unauthorized")
        public static let invalidRequest = Code(rawValue: "InvalidRequest")
        public static let invalidLocationInfoUserAgent = Code(rawValue: "InvalidLocationInfoUserAgent")
        public static let invalidLocationInfoIP = Code(rawValue: "InvalidLocationInfoIP")
        public static let invalidEncodedSession = Code(rawValue: "InvalidEncodedSession")

        // Codes Gatehouse adds.
        /// A superseded token was replayed after the grace period; the session has been revoked.
        public static let tokenTheftDetected = Code(rawValue: "TokenTheftDetected")
        /// The session passed its idle timeout or its absolute lifetime.
        public static let sessionExpired = Code(rawValue: "SessionExpired")
        /// Unknown user or wrong password (one answer for both, on purpose).
        public static let loginFailed = Code(rawValue: "LoginFailed")
        /// Too many failed logins; ``AccountError/retryAfter`` says when to try again.
        public static let tooManyAttempts = Code(rawValue: "TooManyAttempts")
        /// A unique value (username, e-mail, contact) is already taken.
        public static let conflict = Code(rawValue: "Conflict")
        /// A cookie-authenticated, state-changing request came from another site.
        public static let csrfRejected = Code(rawValue: "CSRFRejected")
        /// The storage backend cannot be reached.
        public static let storeUnavailable = Code(rawValue: "StoreUnavailable")
        /// A middleware was registered on a hook after its first dispatch.
        public static let hookFrozen = Code(rawValue: "HookFrozen")
        /// The configuration cannot work (for example an unparseable duration or an empty secret).
        public static let invalidConfiguration = Code(rawValue: "InvalidConfiguration")
    }

    /// What went wrong, as a code.
    public var code: Code
    /// A short human sentence about the failure; never contains secrets or personal data.
    public var message: String
    /// For ``Code/tooManyAttempts``: seconds until a new attempt may succeed.
    public var retryAfter: Int?

    public init(_ code: Code, _ message: String? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.message = message ?? code.rawValue
        self.retryAfter = retryAfter
    }

    public var description: String {
        message == code.rawValue ? "AccountError(\(code))" : "AccountError(\(code)): \(message)"
    }

    /// Errors compare by code: the message is for people.
    public static func == (lhs: AccountError, rhs: AccountError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
