extension AccountError {
    /// A stable, machine-readable error code: the strings of the Powership API, plus Gatehouse's own.
    ///
    /// Codes are defined here only; a caller compares against them (`error.code == .loginFailed`) and
    /// reads ``rawValue`` for the wire, but cannot make new ones.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as it appears in JSON bodies and logs.
        public let rawValue: String
        /// The one sentence every error with this code carries.
        let wording: String

        private init(_ rawValue: String, _ wording: String) {
            self.rawValue = rawValue
            self.wording = wording
        }

        public var description: String { rawValue }

        // Codes of the Powership API.
        public static let tokenVerificationFailed = Code("TokenVerificationFailed", "The auth token could not be verified.")
        public static let userNotFound = Code("UserNotFound", "The account does not exist.")
        public static let invalidSession = Code("InvalidSession", "The session is not valid.")
        public static let sessionNotFound = Code("SessionNotFound", "The session does not exist.")
        public static let authenticationFailed = Code("AuthenticationFailed", "Authentication failed.")
        public static let invalidToken = Code("InvalidToken", "The token is unknown, used or expired.")
        public static let userDeactivated = Code("UserDeactivated", "The account is deactivated.")
        public static let unauthorized = Code("Unauthorized", "This request needs an authenticated session.")
        public static let invalidRequest = Code("InvalidRequest", "The request is not valid.")
        public static let invalidLocationInfoUserAgent = Code("InvalidLocationInfoUserAgent", "The request has no user agent.")
        public static let invalidLocationInfoIP = Code("InvalidLocationInfoIP", "The request has no IP address.")
        public static let serviceNotFound = Code("ServiceNotFound", "The service does not exist.")
        public static let impersonatedUserNotFound = Code("ImpersonatedUserNotFound", "The impersonated account does not exist.")
        public static let invalidTokens = Code("InvalidTokens", "The tokens are not valid.")
        public static let invalidEncodedSession = Code("InvalidEncodedSession", "The encoded session is not valid.")

        // Codes Gatehouse adds.
        /// A superseded token was replayed after the grace period; the session has been revoked.
        public static let tokenTheftDetected = Code("TokenTheftDetected", "A superseded token was replayed; the session has been revoked.")
        /// The session passed its idle timeout or its absolute lifetime.
        public static let sessionExpired = Code("SessionExpired", "The session has expired.")
        /// Unknown user or wrong password (one answer for both, on purpose).
        public static let loginFailed = Code("LoginFailed", "The username or the password is not correct.")
        /// Too many attempts; ``AccountError/retryAfter`` says when to try again.
        public static let tooManyAttempts = Code("TooManyAttempts", "Too many attempts; try again later.")
        /// A unique value (username, e-mail, contact, id) is already taken.
        public static let conflict = Code("Conflict", "The value is already taken.")
        /// A cookie-authenticated, state-changing request came from another site.
        public static let csrfRejected = Code("CSRFRejected", "The request was refused as a cross-site request.")
        /// A new password is too short or too common (``AccountError/Detail/passwordTooShort``,
        /// ``AccountError/Detail/commonPassword``).
        public static let weakPassword = Code("WeakPassword", "The password is too weak.")
        /// The account must verify its e-mail address before it can log in.
        public static let emailNotVerified = Code("EmailNotVerified", "The e-mail address is not verified yet.")
        /// A JSON route was sent a body that is not `application/json`.
        public static let unsupportedMediaType = Code("UnsupportedMediaType", "The request body must be application/json.")
        /// The storage backend cannot be reached or cannot complete the operation.
        public static let storeUnavailable = Code("StoreUnavailable", "The store is unavailable; try again later.")
        /// A middleware was registered on a hook after its first dispatch.
        public static let hookFrozen = Code("HookFrozen", "Middlewares must be registered before the hook's first dispatch.")
        /// The identity provider named in the request is not configured.
        public static let providerNotFound = Code("ProviderNotFound", "No identity provider is configured under this name.")
        /// The identity provider's answer — its state, code or ID token — could not be verified.
        public static let identityVerificationFailed = Code("IdentityVerificationFailed", "The identity provider's answer could not be verified.")
        /// A new identity's verified e-mail address belongs to an existing account, which must log in and
        /// link it: identities are never linked without the account's consent.
        public static let identityNotLinked = Code(
            "IdentityNotLinked",
            "An account with this e-mail address exists; log in to it and link this identity from there."
        )
        /// The account has no linked identity with this id.
        public static let identityNotFound = Code("IdentityNotFound", "The identity does not exist.")
        /// The identity provider could not be reached or gave an answer that is not OpenID Connect.
        public static let providerUnavailable = Code("ProviderUnavailable", "The identity provider is unavailable; try again later.")
        /// A sensitive action needs a recent authentication and the session's last one is older than
        /// ``AccountsOptions/reauthenticationWindow``: prove it again with `POST /v1/reauthenticate`.
        public static let reauthenticationRequired = Code(
            "ReauthenticationRequired",
            "This action needs a recent authentication; authenticate again and retry."
        )
        /// The password was right and the account has a second factor: the login continues with
        /// `POST /v1/login/second-factor`; a reauthentication needs a code with the password.
        public static let secondFactorRequired = Code("SecondFactorRequired", "This account needs a second factor.")
        /// A second factor was refused: a wrong, replayed or expired code, a used recovery code, or an
        /// unknown, used or expired login challenge (``AccountError/detail`` says which).
        public static let secondFactorFailed = Code("SecondFactorFailed", "The second factor could not be verified.")
        /// A passkey ceremony was refused: its challenge, origin, relying party, flags, signature or
        /// counter did not check out, or the passkey is unknown (``AccountError/detail`` says which).
        public static let passkeyFailed = Code("PasskeyFailed", "The passkey could not be verified.")
        /// The account has no passkey with this id.
        public static let passkeyNotFound = Code("PasskeyNotFound", "The passkey does not exist.")
        /// The configuration cannot work (for example an unparseable duration or an empty secret).
        public static let invalidConfiguration = Code("InvalidConfiguration", "The configuration is not valid.")
    }
}
