import ArgumentParser
import Gatehouse

extension AccountsCommand {
    /// `gatehouse accounts create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account.",
            discussion: """
                The same rules apply as for a sign-up over HTTP. Exits with 1 and a message when the \
                username or e-mail address is taken or an input is invalid.
                """
        )

        @Option(help: "The username: unique, compared without regard to case.")
        var username: String

        @Option(help: "The account's e-mail address: unique.")
        var email: String

        @Option(help: "The password. Visible in the process list and shell history: prefer --password-stdin.")
        var password: String?

        @Flag(help: "Read the password from the first line of standard input.")
        var passwordStdin = false

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func validate() throws {
            switch (password, passwordStdin) {
            case (nil, false): throw ValidationError("give the password with --password-stdin or --password")
            case (.some, true): throw ValidationError("--password and --password-stdin cannot be used together")
            default: break
            }
        }

        func run() async throws {
            let password: String
            if let given = self.password {
                password = given
            } else {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("no password on standard input")
                }
                password = line
            }
            let account = try await databaseOptions.withAdministration { admin in
                try await admin.createAccount(username: username, email: email, password: password)
            }
            print("Created account \(account.username) (\(account.accountID)).")
        }
    }
}
