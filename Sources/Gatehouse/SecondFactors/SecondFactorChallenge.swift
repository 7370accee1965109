import struct Foundation.Date

/// A login whose password was right, waiting for its second factor: the single-use ``challenge`` the
/// client sends back with a code, and the ``methods`` that can complete it.
public struct SecondFactorChallenge: Sendable, Equatable {
    /// The value to send back: the account id and 256 random bits, stored only as a digest.
    public var challenge: String
    /// `totp` and `recovery_code`.
    public var methods: [AuthenticationMethod]
    public var expiresAt: Date

    public init(challenge: String, methods: [AuthenticationMethod], expiresAt: Date) {
        self.challenge = challenge
        self.methods = methods
        self.expiresAt = expiresAt
    }
}

/// How a login ended: a session, or a challenge for the account's second factor.
public enum LoginOutcome: Sendable {
    case authenticated(Authentication)
    case secondFactorRequired(SecondFactorChallenge)
}

/// What a person gives as their second factor.
public enum SecondFactorProof: Sendable, Equatable {
    /// The code the authenticator app shows.
    case code(String)
    /// One of the account's recovery codes.
    case recoveryCode(String)

    /// What a person typed in a single field that takes either: six digits (spaces aside) are a code,
    /// anything else a recovery code.
    public init(typed text: String) {
        let compact = text.filter { $0 != " " }
        let isCode = compact.count == TOTP.digits && compact.allSatisfy { $0.isASCII && $0.isNumber }
        self = isCode ? .code(compact) : .recoveryCode(compact)
    }
}
