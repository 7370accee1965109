import ArgumentParser

extension SessionsCommand {
    /// `gatehouse sessions revoke`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End an account's sessions: all of them, or one.",
            discussion: "Their tokens are refused at once on every server; the holders must log in again."
        )

        @Argument(help: "The username of the account.")
        var username: String

        @Option(help: ArgumentHelp("End only this session (an id from `gatehouse sessions list`).", valueName: "id"))
        var session: String?

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            let count = try await databaseOptions.withAdministration { admin in
                try await admin.revokeSessions(username: username, sessionID: session)
            }
            print("Revoked \(count) session\(count == 1 ? "" : "s") of \(username).")
        }
    }
}
