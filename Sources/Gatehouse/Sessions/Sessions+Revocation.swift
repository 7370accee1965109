import Logging

import struct Foundation.Date

extension Sessions {
    /// Ends the valid sessions in `scope` and returns how many ended (`0` when none was left).
    ///
    /// Once it returns, no token of those sessions is accepted by any server on the same store.
    @discardableResult
    public func revokeSessions(_ scope: RevocationScope, reason: RevocationReason = .logout, logger: Logger? = nil) async throws -> Int {
        let now = options.clock.now()
        let count = try await store.revokeSessions(scope, reason: reason, at: now, audit: auditTrail(revoking: scope, reason: reason, at: now))
        SessionMetrics.revoked(count, reason: reason)
        (logger ?? options.logger).info(
            "sessions invalidated",
            metadata: [
                "gatehouse.account_id": "\(scope.accountID)", "gatehouse.session_id": "\(scope.onlySessionID ?? "*")",
                "gatehouse.count": "\(count)", "gatehouse.reason": "\(reason)",
            ]
        )
        return count
    }

    /// A session ended from itself is a logout; anything else — another session, an operator, a
    /// password change — a revocation, saying why and which sessions.
    private func auditTrail(revoking scope: RevocationScope, reason: RevocationReason, at date: Date) -> AuditTrail {
        let context = AuditContext.current
        if reason == .logout, let ended = scope.onlySessionID, ended == context?.sessionID {
            return options.auditLog.trail(.logout, accountID: scope.accountID, sessionID: ended, at: date, random: options.random)
        }
        let extent =
            switch scope {
            case .session: "session"
            case .allSessions: "all"
            case .allSessionsExcept: "others"
            }
        return options.auditLog.trail(
            .sessionRevoked,
            accountID: scope.accountID,
            sessionID: scope.onlySessionID,
            details: ["reason": reason.rawValue, "scope": extent],
            at: date,
            random: options.random
        )
    }
}
