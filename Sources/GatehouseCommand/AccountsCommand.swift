import ArgumentParser

/// `gatehouse accounts`: account administration.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Create, deactivate, reactivate and list accounts.",
        subcommands: [Create.self, Deactivate.self, Reactivate.self, List.self]
    )
}
