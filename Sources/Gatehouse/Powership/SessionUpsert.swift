/// What ``Sessions/upsertRefreshTokenAndSessionDocument(_:request:)`` does.
public enum SessionUpsert: Sendable {
    /// Create a new session for the account (login).
    case insert(account: Account)
    /// Renew the session of a token that was already verified.
    case update(token: VerifiedAuthToken, presentedToken: String, forceRenewal: Bool = false)
}
