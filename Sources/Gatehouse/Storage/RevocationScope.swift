/// Which sessions of one account a revocation ends.
public enum RevocationScope: Sendable, Hashable {
    /// One session, by id (logout, or ending a device from the device list).
    case session(id: String, accountID: String)
    /// Every session of the account (log out everywhere, deactivation, password reset).
    case allSessions(accountID: String)
    /// Every session of the account but one (log out everywhere else).
    case allSessionsExcept(sessionID: String, accountID: String)

    /// The account whose sessions end.
    public var accountID: String {
        switch self {
        case .session(_, let accountID), .allSessions(let accountID), .allSessionsExcept(_, let accountID): accountID
        }
    }

    /// The one session that ends, for ``session(id:accountID:)``.
    public var onlySessionID: String? {
        if case .session(let id, _) = self { return id }
        return nil
    }

    /// The session that is kept, for ``allSessionsExcept(sessionID:accountID:)``.
    public var keptSessionID: String? {
        if case .allSessionsExcept(let id, _) = self { return id }
        return nil
    }

    /// Whether a valid session of ``accountID`` with this id is one the scope ends.
    public func includes(sessionID: String) -> Bool {
        switch self {
        case .session(let id, _): id == sessionID
        case .allSessions: true
        case .allSessionsExcept(let kept, _): kept != sessionID
        }
    }
}
