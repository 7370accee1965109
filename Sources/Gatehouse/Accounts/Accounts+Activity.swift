extension Accounts {
    /// The most events ``activity(ofAccount:limit:before:)`` returns at once.
    public static let activityPageLimit = 100

    /// The account's own security log: its audit events, newest first — at most `limit` (1 to
    /// ``activityPageLimit``), and only those older than the event `before` names, to page back.
    public func activity(ofAccount accountID: String, limit: Int = 50, before: String? = nil) async throws -> [AuditEvent] {
        try await store.auditEvents(
            accountID: accountID,
            since: nil,
            before: before,
            limit: min(max(1, limit), Self.activityPageLimit)
        )
    }
}
