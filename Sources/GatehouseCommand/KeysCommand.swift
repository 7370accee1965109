import ArgumentParser

/// `gatehouse keys`: the signing keys kept in the database.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List, rotate and retire the token signing keys kept in the database.",
        discussion: """
            These are the keys a server generates when it runs without --secret or --key-file. Secrets \
            are never printed. Running servers re-read the keys every --key-refresh-interval (30s by \
            default): a rotated key verifies tokens at once and signs new ones after two intervals, so \
            that every server knows it first.
            """,
        subcommands: [List.self, Rotate.self, Retire.self]
    )
}
