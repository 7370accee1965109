import struct Foundation.Date

/// A security event in an account's life — a login, a logout, a password change, a stolen token —
/// as the audit log keeps it: written in the same transaction as the change it records, read by the
/// account's owner (`GET /v1/activity`) and by operators (`gatehouse audit list`), and announced to the
/// configured webhooks.
///
/// An event says who did what, when and from where; it never holds a secret (no token, password, hash
/// or link), nor an e-mail address.
public struct AuditEvent: Sendable, Equatable, Codable {
    /// ULID: events sort by when they happened.
    public var id: String
    public var kind: Kind
    public var occurredAt: Date
    /// The account concerned; `nil` for an event about no known account (a failed login for an unknown
    /// username, a signing key).
    public var accountID: String?
    /// The session concerned: the one created, ended or stolen, or the one the change was made from.
    public var sessionID: String?
    /// Who caused it.
    public var actor: AuditActor
    /// The client's address, when a client caused it.
    public var clientAddress: String?
    /// The client's `User-Agent`, when a client caused it.
    public var userAgent: String?
    /// What else there is to say, by kind: a revocation's `reason` and `count`, a key's `kid`.
    public var details: [String: String]

    public init(
        id: String,
        kind: Kind,
        occurredAt: Date,
        accountID: String? = nil,
        sessionID: String? = nil,
        actor: AuditActor,
        clientAddress: String? = nil,
        userAgent: String? = nil,
        details: [String: String] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.occurredAt = occurredAt
        self.accountID = accountID
        self.sessionID = sessionID
        self.actor = actor
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.details = details
    }
}

extension AuditEvent {
    /// What happened, as a dotted name (`login.failed`, `session.revoked`); also the webhook event type.
    ///
    /// A set of well-known kinds, open to applications that record their own.
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A password login (or a session an application started) succeeded.
        public static let loginSucceeded = Kind(rawValue: "login.succeeded")
        /// A password login failed: unknown username or wrong password.
        public static let loginFailed = Kind(rawValue: "login.failed")
        /// A login was refused by the throttle before the password was checked.
        public static let loginThrottled = Kind(rawValue: "login.throttled")
        /// The session's owner ended it from that session.
        public static let logout = Kind(rawValue: "logout")
        /// The session's holder proved who they are again, for a sensitive action (`details.methods`).
        public static let sessionReauthenticated = Kind(rawValue: "session.reauthenticated")
        /// Sessions were ended otherwise: from another session, by an operator, by a password change or a
        /// deactivation (`details.reason`, `details.scope`, `details.count`).
        public static let sessionRevoked = Kind(rawValue: "session.revoked")
        /// A superseded token was replayed; the session was revoked as stolen.
        public static let tokenTheftDetected = Kind(rawValue: "session.theft_detected")
        /// The password was changed by the account's owner (or set by an application).
        public static let passwordChanged = Kind(rawValue: "password.changed")
        /// The password was reset with a recovery link.
        public static let passwordReset = Kind(rawValue: "password.reset")
        /// The primary e-mail address changed (the new one was confirmed).
        public static let emailChanged = Kind(rawValue: "email.changed")
        /// An e-mail address was verified.
        public static let emailVerified = Kind(rawValue: "email.verified")
        /// The account was created.
        public static let accountCreated = Kind(rawValue: "account.created")
        /// The account was deactivated.
        public static let accountDeactivated = Kind(rawValue: "account.deactivated")
        /// A deactivated account may log in again.
        public static let accountReactivated = Kind(rawValue: "account.reactivated")
        /// The account was deleted.
        public static let accountDeleted = Kind(rawValue: "account.deleted")
        /// An identity at a provider was linked to the account (`details.provider`).
        public static let identityLinked = Kind(rawValue: "identity.linked")
        /// An identity at a provider was unlinked from the account (`details.provider`).
        public static let identityUnlinked = Kind(rawValue: "identity.unlinked")
        /// A second factor (TOTP, with new recovery codes) was turned on.
        public static let totpEnabled = Kind(rawValue: "totp.enabled")
        /// The second factor was turned off; its recovery codes are gone.
        public static let totpDisabled = Kind(rawValue: "totp.disabled")
        /// A recovery code was used in place of the authenticator.
        public static let recoveryCodeUsed = Kind(rawValue: "recovery_code.used")
        /// A passkey was added to the account (`details.passkey_id`).
        public static let passkeyRegistered = Kind(rawValue: "passkey.registered")
        /// A passkey was removed from the account (`details.passkey_id`).
        public static let passkeyRemoved = Kind(rawValue: "passkey.removed")
        /// A new signing key was added (`details.kid`).
        public static let signingKeyRotated = Kind(rawValue: "signing_key.rotated")
        /// A signing key was retired (`details.kid`).
        public static let signingKeyRetired = Kind(rawValue: "signing_key.retired")

        /// Every kind Gatehouse itself records, in the order the API documents them.
        public static let builtIn: [Kind] = [
            .loginSucceeded, .loginFailed, .loginThrottled, .logout, .sessionRevoked, .tokenTheftDetected, .passwordChanged,
            .passwordReset, .emailChanged, .emailVerified, .accountCreated, .accountDeactivated, .accountReactivated,
            .accountDeleted, .identityLinked, .identityUnlinked, .sessionReauthenticated, .totpEnabled, .totpDisabled,
            .recoveryCodeUsed, .passkeyRegistered, .passkeyRemoved, .signingKeyRotated, .signingKeyRetired,
        ]
    }
}
