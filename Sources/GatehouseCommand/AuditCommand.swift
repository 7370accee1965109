import ArgumentParser

/// `gatehouse audit`: the security events the server recorded.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the audit log of security events.",
        subcommands: [List.self]
    )
}
