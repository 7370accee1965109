import Logging

/// Which sessions ``Sessions/invalidateSessions(_:accountId:request:)`` ends.
public enum InvalidationScope: Sendable {
    /// The session of this token (its expiry is ignored, so an expired session can still be ended).
    case one(authToken: String)
    /// Every session of the account.
    case all
    /// Every session of the account but one (log out everywhere else).
    case allExcept(sessionId: String)
    /// One session of the account, by id (ending a device from the device list).
    case session(id: String)
}

extension Sessions {
    /// Ends the session of `authToken`, for the account the request is authenticated as.
    /// Returns `true`, or throws: ``AccountError/Code/unauthorized`` when the request has no user,
    /// ``AccountError/Code/sessionNotFound`` when nothing was left to end.
    @discardableResult
    public func logout(authToken: String, request: SessionRequest) async throws -> Bool {
        guard let accountId = request.user?.accountId else {
            throw AccountError(.unauthorized, "No user found on the request.")
        }
        return try await invalidateSessions(.one(authToken: authToken), accountId: accountId, request: request) > 0
    }

    /// Marks sessions of `accountId` invalid, calls the request's `onCallDestroySession`, clears the
    /// request, and returns how many sessions ended (throwing ``AccountError/Code/sessionNotFound`` for
    /// none). Once it returns, no token of those sessions is accepted by any server on the same store.
    ///
    /// A token that does not verify widens `.one` to every session only when the request is already
    /// authenticated as that account (the original widened it for anyone).
    public func invalidateSessions(_ scope: InvalidationScope, accountId: String, request: SessionRequest) async throws -> Int {
        var sessionId: String?
        var exceptSessionId: String?
        switch scope {
        case .all:
            break
        case .allExcept(let kept):
            exceptSessionId = kept
        case .session(let id):
            sessionId = id
        case .one(let token):
            do {
                sessionId = try await verifyToken(token, request: request, ignoringExpiry: true).claims.sessionId
            } catch let failure as SecretSupplierFailure {
                throw failure.underlying
            } catch let error as AccountError where error.code == .tokenVerificationFailed {
                guard request.user?.accountId == accountId else { throw error }
            }
        }
        let count = try await store.revokeSessions(
            accountId: accountId, sessionId: sessionId, exceptSessionId: exceptSessionId,
            reason: RevocationReason.logout, at: options.clock.now())
        try await request.onCallDestroySession?(request)
        request.clearAfterInvalidation()
        SessionMetrics.logout(count)
        options.logger.info("sessions invalidated", metadata: [
            "gatehouse.account_id": "\(accountId)", "gatehouse.session_id": "\(sessionId ?? "*")", "gatehouse.count": "\(count)",
        ])
        guard count > 0 else { throw AccountError(.sessionNotFound, "No valid session to invalidate.") }
        return count
    }
}
