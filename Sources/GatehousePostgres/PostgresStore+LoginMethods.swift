import PostgresNIO

extension PostgresStore {
    /// Whether the account can log in without the identity or passkey named — a password, another
    /// identity, another passkey — with the account's row locked (`FOR UPDATE`) until the caller's
    /// transaction ends, so that two removals of its last two ways run one after the other and the
    /// second sees the first. `nil` when there is no such account.
    static func lockingOtherWayToLogIn(
        _ accountID: String,
        besidesIdentity identityID: String = "",
        passkey passkeyID: String = "",
        on connection: PostgresConnection
    ) async throws -> Bool? {
        let locked = try await records(
            "SELECT password_hash <> '' FROM accounts WHERE account_id = \(accountID) FOR UPDATE",
            on: connection
        ) { cursor in try cursor.next(Bool.self) }
        guard let hasPassword = locked.first else { return nil }
        if hasPassword { return true }
        return try await count(
            """
            SELECT 1 WHERE EXISTS (SELECT 1 FROM identities WHERE account_id = \(accountID) AND id <> \(identityID))
                OR EXISTS (SELECT 1 FROM passkeys WHERE account_id = \(accountID) AND id <> \(passkeyID))
            """,
            on: connection
        ) > 0
    }
}
