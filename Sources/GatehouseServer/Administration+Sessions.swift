import Gatehouse

extension Administration {
    /// The sessions of the account with this username, oldest first: the open ones, or every session
    /// still stored with `includeEnded`.
    public func sessions(username: String, includeEnded: Bool) async throws -> [SessionDocument] {
        let account = try await account(username: username)
        return try await accounts.sessions(ofAccount: account.accountID, includeEnded: includeEnded)
    }

    /// Ends the account's sessions — all of them, or only `sessionID` — at once on every server, and
    /// returns how many ended. A named session that is not an open session of this account throws
    /// ``AccountError/Code/sessionNotFound``.
    public func revokeSessions(username: String, sessionID: String? = nil) async throws -> Int {
        let account = try await account(username: username)
        let scope: RevocationScope =
            if let sessionID {
                .session(id: sessionID, accountID: account.accountID)
            } else {
                .allSessions(accountID: account.accountID)
            }
        let count = try await accounts.sessions.revokeSessions(scope, reason: .administrator)
        if sessionID != nil, count == 0 { throw AccountError.sessionNotFound }
        return count
    }
}
