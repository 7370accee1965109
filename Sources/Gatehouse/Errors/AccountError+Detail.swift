extension AccountError {
    /// Which input or which check an ``AccountError`` is about, with one fixed sentence each.
    ///
    /// Details that name an input (``username``, ``email``, ``password``…) let a form show the error
    /// next to the field it concerns; the others say which check failed.
    public struct Detail: Sendable, Hashable, CustomStringConvertible {
        /// A stable name: the field (`username`) or the check (`token_expired`).
        public let rawValue: String
        let wording: String

        private init(_ rawValue: String, _ wording: String) {
            self.rawValue = rawValue
            self.wording = wording
        }

        public var description: String { rawValue }

        // Inputs.
        public static let username = Detail("username", "A username is 3 to 16 characters of a-z, 0-9 and _.")
        public static let email = Detail("email", "The e-mail address is not valid.")
        public static let password = Detail("password", "A password is 7 to 200 characters long.")
        public static let phone = Detail("phone", "The phone number is not valid.")
        public static let passwordTooShort = Detail("password_too_short", "The new password is too short.")
        public static let commonPassword = Detail("common_password", "This password is one of the most commonly used passwords; choose another.")
        public static let customContact = Detail("custom_contact", "A custom contact is 1 to 200 printable characters.")
        public static let oneTimeToken = Detail("token", "A token is 16 to 1000 characters long.")
        public static let body = Detail("body", "The request body is not valid JSON of the expected shape.")
        public static let bodyEncoding = Detail("body_encoding", "The request body is not valid UTF-8.")
        public static let missingBody = Detail("missing_body", "The request needs a JSON body.")
        public static let query = Detail("query", "A query parameter is not valid.")
        public static let transport = Detail("transport", "Gatehouse-Transport is cookie or bearer.")
        public static let sessionID = Detail("session_id", "The session id is not valid.")
        public static let keyID = Detail("key_id", "A key id is 1 to 64 characters of A-Z, a-z, 0-9, _ and -.")
        public static let secret = Detail("secret", "A signing secret must not be empty.")
        public static let duration = Detail("duration", "A duration is a number with a unit, such as 30s, 15m, 12h or 7d.")
        public static let rateLimit = Detail("rate_limit", "A limit is a count and a duration, such as 20/1h.")
        public static let databaseURL = Detail("database_url", "The database URL is not valid.")
        public static let authorizationHeader = Detail("authorization", "The Authorization header must be `Bearer <one token>`.")
        public static let sessionCookie = Detail("cookie", "The session cookie is malformed.")
        public static let totpCode = Detail("code", "A code is the 6 digits the authenticator app shows now.")
        public static let recoveryCode = Detail("recovery_code", "The recovery code is unknown or used already.")
        public static let challenge = Detail("challenge", "The login challenge is unknown, used or expired; log in again.")
        public static let totpEnabled = Detail("totp_enabled", "The account has a second factor already; turn it off first.")
        public static let totpNotStarted = Detail("totp_not_started", "No second factor is being set up; start again.")
        public static let totpNotEnabled = Detail("totp_not_enabled", "The account has no second factor.")
        public static let totpUnavailable = Detail("totp_unavailable", "Second factors are not configured on this server.")
        public static let passkeyCredential = Detail("credential", "The credential is not a well-formed WebAuthn credential (credential.toJSON()).")
        public static let passkeyName = Detail("name", "A passkey name is 1 to 64 printable characters.")
        public static let passkeyChallenge = Detail("passkey_challenge", "The passkey challenge is unknown, used or expired; ask for new options.")
        public static let passkeyOrigin = Detail("origin", "The credential was made for another origin.")
        public static let passkeyRelyingParty = Detail("rp_id", "The credential was made for another relying party.")
        public static let userPresence = Detail("user_presence", "The authenticator did not confirm that the user was present.")
        public static let userVerification = Detail("user_verification", "The authenticator did not verify the user.")
        public static let passkeySignature = Detail("signature", "The passkey signature does not match.")
        public static let signCount = Detail("sign_count", "The authenticator's counter went back; it may be a copy.")
        public static let unknownPasskey = Detail("unknown_passkey", "No account has this passkey.")
        public static let attestation = Detail("attestation", "Only attestation `none` is accepted.")
        public static let passkeysUnavailable = Detail("passkeys_unavailable", "Passkeys are not configured on this server.")
        public static let audience = Detail("audience", "An audience is 1 to 256 printable ASCII characters.")

        // Token checks.
        public static let tokenMalformed = Detail("token_malformed", "The token is not a well-formed token.")
        public static let tokenHeader = Detail("token_header", "The token header is not accepted.")
        public static let tokenSignature = Detail("token_signature", "The token signature does not match.")
        public static let tokenClaims = Detail("token_claims", "The token claims are not valid.")
        public static let tokenExpired = Detail("token_expired", "The token has expired.")
        public static let tokenNotYetValid = Detail("token_not_yet_valid", "The token is not valid yet.")
        public static let unknownKey = Detail("unknown_key", "The token was signed with an unknown key.")
        public static let tokenIssuer = Detail("token_issuer", "The token was issued by another issuer.")
        public static let tokenAudience = Detail("token_audience", "The token is meant for another audience.")
        public static let loginState = Detail("state", "The sign-in state is missing, expired or does not match; start again.")
        public static let nonce = Detail("nonce", "The ID token's nonce does not match.")
        public static let authorizationCode = Detail("code", "The identity provider did not accept the authorization code.")
        public static let providerError = Detail("provider_error", "The identity provider reported an error.")
        public static let authorizedParty = Detail("authorized_party", "The ID token was issued to another client.")
        public static let providerEmail = Detail("provider_email", "The identity provider did not vouch for an e-mail address.")
        public static let returnTo = Detail("return_to", "The return address is not allowed.")
        public static let otherAccount = Detail("other_account", "The session belongs to another account.")

        // Session checks.
        public static let userAgentChanged = Detail("user_agent_changed", "The user agent changed since the token was issued.")
        public static let revoked = Detail("revoked", "The session has ended.")
        public static let concurrentChange = Detail("concurrent_change", "The session kept changing while it was being renewed; try again.")
        public static let idle = Detail("idle", "The session was idle for too long.")
        public static let lifetime = Detail("lifetime", "The session reached its maximum lifetime.")

        // Uniqueness.
        public static let usernameTaken = Detail("username_taken", "The username is already taken.")
        public static let contactTaken = Detail("contact_taken", "The e-mail address or contact is already taken.")
        public static let passkeyTaken = Detail("passkey_taken", "This passkey is registered already.")
        public static let identityTaken = Detail("identity_taken", "This identity is already linked to an account.")
        public static let lastWayToLogIn = Detail("last_way_to_log_in", "The account would have no way left to log in.")
        public static let primaryContact = Detail("primary_contact", "An account has one primary contact.")
        public static let idTaken = Detail("id_taken", "A record with this id already exists.")
        public static let keyIDTaken = Detail("key_id_taken", "The key id is already used.")
        public static let accountChanged = Detail("account_changed", "The account changed while the session was being created; try again.")
        public static let concurrentKeyChange = Detail("concurrent_key_change", "Another signing key was being added at the same time; try again.")

        // Store and configuration.
        public static let keyRing = Detail("key_ring", "Sessions needs a key ring or a token secret supplier.")
        public static let accessTokens = Detail("access_tokens", "Access tokens need access-token options and a key ring.")
        public static let accessTokenLifetime = Detail("access_token_lifetime", "An access token lives 1 second to 1 hour.")
        public static let newerSchema = Detail("newer_schema", "The database was migrated by a newer version of Gatehouse.")
        public static let unreadableRow = Detail("unreadable_row", "A stored row could not be read.")
        public static let busy = Detail("busy", "The database is busy.")
        public static let cannotOpen = Detail("cannot_open", "The database cannot be opened.")
        public static let constraint = Detail("constraint", "The record breaks a database constraint.")
        public static let timedOut = Detail("timed_out", "The database did not answer in time.")
        public static let signingKeyRetirement = Detail("signing_key", "The signing key cannot be retired; rotate to a new key first.")
        public static let retiredKey = Detail("retired_key", "This key is already retired.")
        public static let unknownKeyID = Detail("unknown_key_id", "There is no key with this id.")
        public static let unknownMessage = Detail("unknown_message", "There is no message with this id.")
        public static let messageNotFailed = Detail("message_not_failed", "Only a failed message can be retried.")
        public static let routesWithoutMiddleware = Detail("routes_without_middleware", "The Gatehouse routes run without GatehouseMiddleware.")
    }
}
