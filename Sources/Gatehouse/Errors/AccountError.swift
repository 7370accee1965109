/// The one error type Gatehouse throws for anything a caller can act on.
///
/// An `AccountError` is identified by its ``code``; codes are open-ended so new ones can be added
/// without breaking callers that switch over the ones they know. Errors are made only through the
/// static factories (``sessionNotFound``, ``invalidRequest(_:)``, ``tooManyAttempts(retryAfter:)``…),
/// so every code has one wording, and a ``detail`` — which input, which check — adds one fixed sentence
/// of its own. Neither ``message`` nor ``description`` ever carries a token, a password, a hash or an
/// e-mail address: they are safe to log and to return to a client.
///
/// ```swift
/// do {
///     _ = try await sessions.authenticate(token: token, client: client)
/// } catch let error as AccountError where error.code == .tokenTheftDetected {
///     // the session has been revoked; ask the user to log in again
/// }
/// ```
public struct AccountError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a code.
    public let code: Code
    /// Which input or which check the error is about, when that helps the caller.
    public let detail: Detail?
    /// For ``Code/tooManyAttempts``: seconds until a new attempt may succeed.
    public let retryAfter: Int?

    package init(_ code: Code, _ detail: Detail? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.detail = detail
        self.retryAfter = retryAfter
    }

    /// A short human sentence about the failure: the code's wording, then the detail's.
    public var message: String {
        guard let detail else { return code.wording }
        return "\(code.wording) \(detail.wording)"
    }

    public var description: String {
        guard let detail else { return "AccountError(\(code))" }
        return "AccountError(\(code), \(detail.rawValue))"
    }

    /// Errors compare by code: the detail and the message are for people.
    public static func == (lhs: AccountError, rhs: AccountError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
