import ArgumentParser

/// `gatehouse accounts`: account administration.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Create, deactivate and list accounts.",
        subcommands: [Create.self, Deactivate.self, List.self]
    )
}
