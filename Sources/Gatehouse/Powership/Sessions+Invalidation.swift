extension Sessions {
    /// Ends the session of `authToken`, for the account the request is authenticated as.
    /// Returns `true`, or throws: ``AccountError/Code/unauthorized`` when the request has no user,
    /// ``AccountError/Code/sessionNotFound`` when nothing was left to end.
    @discardableResult
    public func logout(authToken: String, request: SessionRequest) async throws -> Bool {
        guard let accountID = request.user?.accountID else { throw AccountError.unauthorized }
        return try await invalidateSessions(.one(authToken: authToken), accountID: accountID, request: request) > 0
    }

    /// Marks sessions of `accountID` invalid, calls the request's `onCallDestroySession`, clears the
    /// request, and returns how many sessions ended (throwing ``AccountError/Code/sessionNotFound`` for
    /// none). Once it returns, no token of those sessions is accepted by any server on the same store.
    ///
    /// A token that does not verify widens `.one` to every session only when the request is already
    /// authenticated as that account; for anyone else it is refused.
    public func invalidateSessions(_ scope: InvalidationScope, accountID: String, request: SessionRequest) async throws -> Int {
        let revocation: RevocationScope
        switch scope {
        case .all:
            revocation = .allSessions(accountID: accountID)
        case .allExcept(let kept):
            revocation = .allSessionsExcept(sessionID: kept, accountID: accountID)
        case .session(let id):
            revocation = .session(id: id, accountID: accountID)
        case .one(let token):
            do {
                let verified = try await verifyToken(token, request: request, ignoringExpiry: true)
                revocation = .session(id: verified.claims.sessionID, accountID: accountID)
            } catch let error as AccountError where error.code == .tokenVerificationFailed {
                guard request.user?.accountID == accountID else { throw error }
                revocation = .allSessions(accountID: accountID)
            }
        }
        let count = try await revokeSessions(revocation, reason: .logout)
        try await request.onCallDestroySession?(request)
        request.clearAfterInvalidation()
        guard count > 0 else { throw AccountError.sessionNotFound }
        return count
    }
}
