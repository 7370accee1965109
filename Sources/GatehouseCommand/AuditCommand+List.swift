import ArgumentParser
import Foundation
import Gatehouse

extension AuditCommand {
    /// `gatehouse audit list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit events, newest first.",
            discussion: """
                Logins (succeeded, failed, throttled), logouts, revoked sessions and who revoked them, \
                detected token theft, password and e-mail changes, accounts created, deactivated or deleted, \
                and signing keys rotated or retired — with the time, account, session, client address and \
                user agent. Events are kept for the retention period of `gatehouse serve --audit-retention` \
                (90 days by default).
                """
        )

        @Option(name: .customLong("account"), help: ArgumentHelp("Only the events of this account.", valueName: "username"))
        var account: String?

        @Option(
            help: ArgumentHelp(
                "Only events at or after this time: an ISO 8601 date or time (2026-11-30, 2026-11-30T08:00:00Z), or a duration ago (24h, 7d).",
                valueName: "time"
            )
        )
        var since: AuditSince?

        @Option(help: "At most this many events (1 to 10000).")
        var limit = 100

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000.") }
        }

        func run() async throws {
            let start = since?.date(now: Date())
            let events = try await databaseOptions.withAdministration { admin in
                try await admin.auditEvents(username: account, since: start, limit: limit)
            }
            if json {
                try Output.json(AuditList(events: events.map { AuditListEntry($0.event, username: $0.username) }))
                return
            }
            guard !events.isEmpty else {
                print("No events.")
                return
            }
            Output.table(
                ["TIME", "EVENT", "ACCOUNT", "SESSION", "ACTOR", "ADDRESS", "DETAILS", "USER AGENT"],
                events.map { event, username in
                    [
                        Output.date(event.occurredAt), event.kind.rawValue, username ?? event.accountID ?? "", event.sessionID ?? "",
                        event.actor.rawValue, event.clientAddress ?? "",
                        event.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                        event.userAgent ?? "",
                    ]
                }
            )
        }
    }
}

/// `--since`: a point in time, or how long ago.
struct AuditSince: ExpressibleByArgument, Sendable {
    private enum Value: Sendable {
        case date(Date)
        case ago(Duration)
    }

    private let value: Value

    init?(argument: String) {
        if let duration = try? DurationParser.parse(argument, requiringUnit: true) {
            value = .ago(duration)
        } else if let date = Self.date(argument) {
            value = .date(date)
        } else {
            return nil
        }
    }

    func date(now: Date) -> Date {
        switch value {
        case .date(let date): date
        case .ago(let duration): now.addingTimeInterval(-Double(duration.components.seconds))
        }
    }

    private static func date(_ text: String) -> Date? {
        if let time = try? Date.ISO8601FormatStyle().parse(text) { return time }
        if let time = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return time }
        return try? Date.ISO8601FormatStyle().year().month().day().parse(text)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// The JSON shape of `audit list --json`.
private struct AuditList: Encodable {
    var events: [AuditListEntry]
}

private struct AuditListEntry: Encodable {
    var id: String
    var type: String
    var occurredAt: Date
    var accountId: String?
    var username: String?
    var sessionId: String?
    var actor: String
    var clientAddress: String?
    var userAgent: String?
    var details: [String: String]

    init(_ event: AuditEvent, username: String?) {
        id = event.id
        type = event.kind.rawValue
        occurredAt = event.occurredAt
        accountId = event.accountID
        self.username = username
        sessionId = event.sessionID
        actor = event.actor.rawValue
        clientAddress = event.clientAddress
        userAgent = event.userAgent
        details = event.details
    }
}
