import ArgumentParser
import Gatehouse

extension AccountsCommand {
    /// `gatehouse accounts list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts in order of creation.")

        @Option(help: "At most this many accounts (1 to 10000).")
        var limit = 100

        @Option(help: "Skip this many accounts first.")
        var offset = 0

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
            guard offset >= 0 else { throw ValidationError("--offset must not be negative") }
        }

        func run() async throws {
            let accounts = try await databaseOptions.withAdministration { admin in
                try await admin.listAccounts(limit: limit, offset: offset)
            }
            if json {
                try Output.json(AccountList(accounts: accounts))
                return
            }
            guard !accounts.isEmpty else {
                print(offset == 0 ? "No accounts." : "No accounts after the first \(offset).")
                return
            }
            Output.table(
                ["USERNAME", "ACCOUNT ID", "E-MAIL", "VERIFIED", "STATUS", "CREATED"],
                accounts.map { account in
                    [
                        account.username, account.accountID, account.email, account.emailVerified ? "yes" : "no",
                        account.deactivated ? "deactivated" : "active", Output.date(account.createdAt),
                    ]
                }
            )
        }
    }
}

/// The JSON shape of `accounts list --json`.
private struct AccountList: Encodable {
    var accounts: [Account]
}
