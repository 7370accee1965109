import ArgumentParser

/// `gatehouse sessions`: session administration.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List and revoke an account's sessions.",
        subcommands: [List.self, Revoke.self]
    )
}
