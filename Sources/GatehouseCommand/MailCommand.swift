import ArgumentParser

/// `gatehouse mail`: the outbox of e-mails.
struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "List the e-mails the server sends and retry failed ones.",
        subcommands: [List.self, Retry.self]
    )
}
