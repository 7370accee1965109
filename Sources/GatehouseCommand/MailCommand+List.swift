import ArgumentParser
import Foundation
import Gatehouse

extension MailCommand {
    /// `gatehouse mail list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List e-mails, newest first.",
            discussion: """
                Pending messages wait for their next attempt; sent ones are kept for a week; failed ones were \
                refused for good or ran out of attempts, and `gatehouse mail retry ID` sends them again. \
                What a message says (its links among it) is never shown.
                """
        )

        @Flag(help: "Only the messages that failed.")
        var failed = false

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            let messages = try await databaseOptions.withAdministration { admin in
                try await admin.mailMessages(failedOnly: failed)
            }
            if json {
                try Output.json(MailList(messages: messages.map(MailListEntry.init)))
                return
            }
            guard !messages.isEmpty else {
                print(failed ? "No failed messages." : "No messages.")
                return
            }
            Output.table(
                ["ID", "KIND", "TO", "STATUS", "ATTEMPTS", "CREATED", "NEXT / SENT", "LAST ERROR"],
                messages.map { message in
                    [
                        message.id, message.kind, message.recipient, message.status.rawValue, "\(message.attempts)",
                        Output.date(message.createdAt), Output.date(message.sentAt ?? message.nextAttemptAt), message.lastError ?? "",
                    ]
                }
            )
        }
    }
}

/// The JSON shape of `mail list --json`.
private struct MailList: Encodable {
    var messages: [MailListEntry]
}

private struct MailListEntry: Encodable {
    var id: String
    var kind: String
    var to: String
    var status: String
    var attempts: Int
    var createdAt: Date
    var nextAttemptAt: Date?
    var sentAt: Date?
    var lastError: String?

    init(_ message: OutboxMessage) {
        id = message.id
        kind = message.kind
        to = message.recipient
        status = message.status.rawValue
        attempts = message.attempts
        createdAt = message.createdAt
        nextAttemptAt = message.status == .pending ? message.nextAttemptAt : nil
        sentAt = message.sentAt
        lastError = message.lastError
    }
}
