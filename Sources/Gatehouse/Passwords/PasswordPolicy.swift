/// The rules a new password must meet, after NIST SP 800-63B: a minimum length, a maximum length,
/// and not one of the most commonly used passwords. There are no composition rules (no required
/// digits, capitals or symbols): they make passwords harder to remember without making them much
/// harder to guess.
///
/// The policy applies to new passwords only (sign-up, password change, password reset). An
/// account whose password predates it, or is shorter than ``minimumLength``, keeps logging in.
///
/// ```swift
/// let policy = PasswordPolicy()
/// let password = try policy.check("correct horse battery staple")   // accepted, in NFC
/// try policy.check("Password1")   // throws AccountError.weakPassword(.commonPassword)
/// try policy.check("kx7#mq2")   // throws AccountError.weakPassword(.passwordTooShort)
/// ```
public struct PasswordPolicy: Sendable, Hashable {
    /// The fewest characters a new password may have, counted as Unicode code points after NFC
    /// normalisation (as NIST SP 800-63B counts them): a decomposed `é` is one character, an emoji
    /// is one character. Default 8.
    public var minimumLength: Int
    /// The most a password may have, counted in UTF-16 code units after NFC normalisation, as
    /// ``AccountValidation/normalizedPassword(_:)`` counts them; that rule refuses anything above
    /// 200 whatever this says. Default 200.
    public var maximumLength: Int
    /// Whether a password on the ``CommonPasswords`` list is refused. Default `true`.
    public var refusesCommonPasswords: Bool

    /// A policy; the defaults follow NIST SP 800-63B.
    public init(minimumLength: Int = 8, maximumLength: Int = 200, refusesCommonPasswords: Bool = true) {
        self.minimumLength = minimumLength
        self.maximumLength = maximumLength
        self.refusesCommonPasswords = refusesCommonPasswords
    }

    /// Checks a new password and returns it in Unicode NFC, the form to hash and store.
    ///
    /// The checks, in order:
    /// 1. longer than ``maximumLength``: ``AccountError/invalidRequest(_:)`` with
    ///    ``AccountError/Detail/password``;
    /// 2. shorter than ``minimumLength``: ``AccountError/weakPassword(_:)`` with
    ///    ``AccountError/Detail/passwordTooShort``;
    /// 3. when ``refusesCommonPasswords`` is set, on the ``CommonPasswords`` list, ignoring case,
    ///    as given or with its leading and trailing whitespace removed (`" Password1 "` is
    ///    refused): ``AccountError/weakPassword(_:)`` with ``AccountError/Detail/commonPassword``.
    ///
    /// Whitespace is otherwise part of the password, and counts towards its length.
    public func check(_ password: String) throws(AccountError) -> String {
        let normalized = AccountValidation.normalize(password)
        guard normalized.utf16.count <= maximumLength else {
            throw AccountError.invalidRequest(.password)
        }
        guard normalized.unicodeScalars.count >= minimumLength else {
            throw AccountError.weakPassword(.passwordTooShort)
        }
        if refusesCommonPasswords, Self.isCommon(normalized) {
            throw AccountError.weakPassword(.commonPassword)
        }
        return normalized
    }

    /// Whether `password` (in NFC), or `password` without its surrounding whitespace, is listed.
    private static func isCommon(_ password: String) -> Bool {
        if CommonPasswords.contains(password) { return true }
        var trimmed = Substring(password)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        guard trimmed.startIndex != password.startIndex || trimmed.endIndex != password.endIndex else { return false }
        return CommonPasswords.contains(String(trimmed))
    }
}
