import ArgumentParser

extension MailCommand {
    /// `gatehouse mail retry`.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a failed e-mail again.",
            discussion: "The message becomes pending with no attempts counted; a running server's courier sends it within seconds."
        )

        @Argument(help: "The id of the message, as `gatehouse mail list` shows it.")
        var id: String

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            try await databaseOptions.withAdministration { admin in
                try await admin.retryMailMessage(id: id)
            }
            print("Message \(id) will be sent again.")
        }
    }
}
