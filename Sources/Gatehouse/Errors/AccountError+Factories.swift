extension AccountError {
    // Codes that need no detail.

    /// ``Code/userNotFound``.
    public static var userNotFound: AccountError { AccountError(.userNotFound) }
    /// ``Code/sessionNotFound``.
    public static var sessionNotFound: AccountError { AccountError(.sessionNotFound) }
    /// ``Code/invalidToken``: a single-use token that is unknown, used or expired.
    public static var invalidToken: AccountError { AccountError(.invalidToken) }
    /// ``Code/userDeactivated``.
    public static var userDeactivated: AccountError { AccountError(.userDeactivated) }
    /// ``Code/unauthorized``: the call needs an authenticated session and has none.
    public static var unauthorized: AccountError { AccountError(.unauthorized) }
    /// ``Code/invalidLocationInfoUserAgent``.
    public static var invalidLocationInfoUserAgent: AccountError { AccountError(.invalidLocationInfoUserAgent) }
    /// ``Code/invalidLocationInfoIP``.
    public static var invalidLocationInfoIP: AccountError { AccountError(.invalidLocationInfoIP) }
    /// ``Code/tokenTheftDetected``.
    public static var tokenTheftDetected: AccountError { AccountError(.tokenTheftDetected) }
    /// ``Code/loginFailed``: unknown user or wrong password, told apart by nobody.
    public static var loginFailed: AccountError { AccountError(.loginFailed) }
    /// ``Code/csrfRejected``.
    public static var csrfRejected: AccountError { AccountError(.csrfRejected) }
    /// ``Code/emailNotVerified``.
    public static var emailNotVerified: AccountError { AccountError(.emailNotVerified) }
    /// ``Code/identityNotLinked``.
    public static var identityNotLinked: AccountError { AccountError(.identityNotLinked) }
    /// ``Code/identityNotFound``.
    public static var identityNotFound: AccountError { AccountError(.identityNotFound) }
    /// ``Code/providerNotFound``.
    public static var providerNotFound: AccountError { AccountError(.providerNotFound) }
    /// ``Code/unsupportedMediaType``.
    public static var unsupportedMediaType: AccountError { AccountError(.unsupportedMediaType) }
    /// ``Code/reauthenticationRequired``.
    public static var reauthenticationRequired: AccountError { AccountError(.reauthenticationRequired) }
    /// ``Code/secondFactorRequired``.
    public static var secondFactorRequired: AccountError { AccountError(.secondFactorRequired) }
    /// ``Code/passkeyFailed``, with the check that refused it.
    public static func passkeyFailed(_ detail: Detail) -> AccountError { AccountError(.passkeyFailed, detail) }
    /// ``Code/passkeyNotFound``.
    public static var passkeyNotFound: AccountError { AccountError(.passkeyNotFound) }
    /// ``Code/secondFactorFailed``, with what was refused.
    public static func secondFactorFailed(_ detail: Detail) -> AccountError { AccountError(.secondFactorFailed, detail) }
    /// ``Code/hookFrozen``.
    public static var hookFrozen: AccountError { AccountError(.hookFrozen) }

    // Codes with an optional detail.

    /// ``Code/providerUnavailable``, with what went wrong.
    public static func providerUnavailable(_ detail: Detail? = nil) -> AccountError { AccountError(.providerUnavailable, detail) }
    /// ``Code/authenticationFailed``, with the reason.
    public static func authenticationFailed(_ detail: Detail? = nil) -> AccountError { AccountError(.authenticationFailed, detail) }

    /// ``Code/tokenVerificationFailed``, with the check that failed.
    public static func tokenVerificationFailed(_ detail: Detail? = nil) -> AccountError { AccountError(.tokenVerificationFailed, detail) }
    /// ``Code/invalidSession``, with the reason.
    public static func invalidSession(_ detail: Detail? = nil) -> AccountError { AccountError(.invalidSession, detail) }
    /// ``Code/sessionExpired``: ``Detail/idle`` or ``Detail/lifetime``.
    public static func sessionExpired(_ detail: Detail? = nil) -> AccountError { AccountError(.sessionExpired, detail) }
    /// ``Code/invalidRequest``, with the input that breaks a rule.
    public static func invalidRequest(_ detail: Detail? = nil) -> AccountError { AccountError(.invalidRequest, detail) }
    /// ``Code/conflict``, with the value that is taken.
    public static func conflict(_ detail: Detail? = nil) -> AccountError { AccountError(.conflict, detail) }
    /// ``Code/storeUnavailable``, with what failed.
    public static func storeUnavailable(_ detail: Detail? = nil) -> AccountError { AccountError(.storeUnavailable, detail) }
    /// ``Code/invalidConfiguration``, with the setting that cannot work.
    public static func invalidConfiguration(_ detail: Detail? = nil) -> AccountError { AccountError(.invalidConfiguration, detail) }
    /// ``Code/weakPassword``, with the rule the password breaks.
    public static func weakPassword(_ detail: Detail) -> AccountError { AccountError(.weakPassword, detail) }
    /// ``Code/tooManyAttempts``; `retryAfter` (seconds) is at least 1.
    public static func tooManyAttempts(retryAfter: Int) -> AccountError { AccountError(.tooManyAttempts, retryAfter: max(1, retryAfter)) }
}
