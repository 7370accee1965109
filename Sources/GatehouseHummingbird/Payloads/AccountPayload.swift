import Foundation
import Gatehouse

/// An account as the API shows it: no id of a session, no permission, nothing secret.
struct AccountPayload: Encodable {
    var accountId: String
    var username: String
    var email: String
    var emailVerified: Bool
    var createdAt: Date

    init(_ account: Account) {
        accountId = account.accountId
        username = account.username
        email = account.email
        emailVerified = account.emailVerified
        createdAt = account.createdAt
    }
}
