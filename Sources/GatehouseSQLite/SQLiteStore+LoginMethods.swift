import GRDB

extension SQLiteStore {
    /// Whether the account can log in without the identity or passkey named: a password, another
    /// identity, another passkey. Read inside the write transaction that removes one, so that the
    /// decision and the removal see the same account (SQLite runs one write transaction at a time).
    static func hasOtherWayToLogIn(
        _ accountID: String,
        besidesIdentity identityID: String = "",
        passkey passkeyID: String = "",
        in db: Database
    )
        throws -> Bool
    {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT COALESCE((SELECT password_hash <> '' FROM accounts WHERE id = ?), 0)
                    OR EXISTS (SELECT 1 FROM identities WHERE account_id = ? AND id <> ?)
                    OR EXISTS (SELECT 1 FROM passkeys WHERE account_id = ? AND id <> ?)
                """,
            arguments: [accountID, accountID, identityID, accountID, passkeyID]
        ) ?? false
    }
}
