import Gatehouse

extension Administration {
    /// Creates an account, as a sign-up would. Throws ``AccountError/Code/invalidRequest`` for input
    /// that breaks a rule and ``AccountError/Code/conflict`` when the username or e-mail is taken.
    public func createAccount(username: String, email: String, password: String) async throws -> Account {
        try await accounts.createAccount(CreateAccountInput(username: username, email: email, password: password))
    }

    /// Deactivates the account and ends its sessions; returns the account as it is now and how many
    /// sessions were still open. Throws ``AccountError/Code/userNotFound`` for an unknown username.
    public func deactivateAccount(username: String) async throws -> (account: Account, endedSessions: Int) {
        let account = try await account(username: username)
        let open = try await accounts.sessions(ofAccount: account.accountID).count
        try await accounts.deactivateAccount(accountID: account.accountID)
        return (try await self.account(username: username), open)
    }

    /// Lets a deactivated account log in again (its ended sessions stay ended); returns the account as
    /// it is now. Throws ``AccountError/Code/userNotFound`` for an unknown username.
    public func reactivateAccount(username: String) async throws -> Account {
        let account = try await account(username: username)
        try await accounts.reactivateAccount(accountID: account.accountID)
        return try await self.account(username: username)
    }

    /// Accounts in order of creation.
    public func listAccounts(limit: Int, offset: Int) async throws -> [Account] {
        try await store.accounts(limit: limit, offset: offset).map(Account.init)
    }
}
