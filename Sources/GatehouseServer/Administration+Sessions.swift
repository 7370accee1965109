import Gatehouse

extension Administration {
    /// The sessions of the account with this username, oldest first: the open ones, or every session
    /// still stored with `includeEnded`.
    public func sessions(username: String, includeEnded: Bool) async throws -> [SessionDocument] {
        let account = try await account(username: username)
        return try await accounts.sessions(ofAccount: account.accountId, includeEnded: includeEnded)
    }

    /// Ends the account's sessions — all of them, or only `sessionId` — at once on every server, and
    /// returns how many ended. A named session that is not an open session of this account throws
    /// ``AccountError/Code/sessionNotFound``.
    public func revokeSessions(username: String, sessionId: String? = nil) async throws -> Int {
        let account = try await account(username: username)
        let count = try await store.revokeSessions(
            accountId: account.accountId, sessionId: sessionId, exceptSessionId: nil,
            reason: RevocationReason.administrator, at: clock.now())
        if sessionId != nil, count == 0 {
            throw AccountError(.sessionNotFound, "This account has no open session with this id.")
        }
        return count
    }
}
