import Logging

extension Sessions {
    /// Ends the valid sessions in `scope` and returns how many ended (`0` when none was left).
    ///
    /// Once it returns, no token of those sessions is accepted by any server on the same store.
    @discardableResult
    public func revokeSessions(_ scope: RevocationScope, reason: RevocationReason = .logout, logger: Logger? = nil) async throws -> Int {
        let count = try await store.revokeSessions(scope, reason: reason, at: options.clock.now())
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
}
