/// Which sessions ``Sessions/invalidateSessions(_:accountID:request:)`` ends.
public enum InvalidationScope: Sendable {
    /// The session of this token (its expiry is ignored, so an expired session can still be ended).
    case one(authToken: String)
    /// Every session of the account.
    case all
    /// Every session of the account but one (log out everywhere else).
    case allExcept(sessionID: String)
    /// One session of the account, by id (ending a device from the device list).
    case session(id: String)
}
