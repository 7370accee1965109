import ArgumentParser

extension KeysCommand {
    /// `gatehouse keys retire`.
    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a verification-only key: tokens it signed stop working.",
            discussion: "The signing key cannot be retired; rotate first."
        )

        @Argument(help: "The key id, as `gatehouse keys list` shows it.")
        var kid: String

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            try await databaseOptions.withAdministration { admin in try await admin.retireSigningKey(kid: kid) }
            print("Retired key \(kid).")
        }
    }
}
