import ArgumentParser

extension KeysCommand {
    /// `gatehouse keys rotate`.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new signing key; the current one keeps verifying, so nobody is logged out.",
            discussion: """
                Retire the previous key with `gatehouse keys retire <kid>` once the tokens it signed have \
                expired (the token duration, 7 days by default).
                """
        )

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            let (new, previous) = try await databaseOptions.withAdministration { admin in try await admin.rotateSigningKey() }
            print("New signing key \(new.kid).")
            if let previous {
                print("Previous key \(previous.kid) now only verifies; retire it once its tokens have expired.")
            }
        }
    }
}
