import ArgumentParser

extension AccountsCommand {
    /// `gatehouse accounts reactivate`.
    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a deactivated account log in again.",
            discussion: "The sessions it had when it was deactivated stay ended."
        )

        @Argument(help: "The username of the account.")
        var username: String

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            let account = try await databaseOptions.withAdministration { admin in
                try await admin.reactivateAccount(username: username)
            }
            print("Reactivated \(account.username) (\(account.accountID)).")
        }
    }
}
