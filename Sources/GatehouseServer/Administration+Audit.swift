import Foundation
import Gatehouse

extension Administration {
    /// Audit events, newest first: of the account with this username (an unknown one is
    /// ``AccountError/Code/userNotFound``), or of all; since `date`, or ever; at most `limit`.
    /// Each comes with the username of its account, when the account still exists.
    public func auditEvents(username: String?, since date: Date?, limit: Int) async throws -> [(event: AuditEvent, username: String?)] {
        var accountID: String?
        if let username { accountID = try await account(username: username).accountID }
        let events = try await store.auditEvents(accountID: accountID, since: date, before: nil, limit: max(1, limit))
        var usernames: [String: String] = [:]
        for id in Set(events.compactMap { $0.accountID }) {
            usernames[id] = try await accounts.account(id: id)?.username
        }
        return events.map { ($0, $0.accountID.flatMap { usernames[$0] }) }
    }
}
