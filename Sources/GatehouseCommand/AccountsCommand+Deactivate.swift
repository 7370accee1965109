import ArgumentParser

extension AccountsCommand {
    /// `gatehouse accounts deactivate`.
    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate an account and end all its sessions.",
            discussion: "The account can no longer log in; its tokens are refused at once on every server."
        )

        @Argument(help: "The username of the account.")
        var username: String

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            let (account, ended) = try await databaseOptions.withAdministration { admin in
                try await admin.deactivateAccount(username: username)
            }
            print("Deactivated \(account.username) (\(account.accountID)); ended \(ended) session\(ended == 1 ? "" : "s").")
        }
    }
}
