import ArgumentParser
import Gatehouse

extension SessionsCommand {
    /// `gatehouse sessions list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an account's sessions, oldest first.",
            discussion: "Shows open sessions; --all adds the ended ones the database still keeps."
        )

        @Argument(help: "The username of the account.")
        var username: String

        @Flag(help: "Include ended sessions (logged out, revoked, expired).")
        var all = false

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            let sessions = try await databaseOptions.withAdministration { admin in
                try await admin.sessions(username: username, includeEnded: all)
            }
            if json {
                try Output.json(SessionList(sessions: sessions))
                return
            }
            guard !sessions.isEmpty else {
                print(all ? "No sessions." : "No open sessions.")
                return
            }
            Output.table(
                ["SESSION ID", "CREATED", "LAST USED", "EXPIRES", "STATUS", "IP", "USER AGENT"],
                sessions.map { session in
                    [
                        session.id, Output.date(session.createdAt), Output.date(session.lastUsedAt), Output.date(session.expiresAt),
                        Self.status(session), session.connectionInfo.ip, session.connectionInfo.userAgent,
                    ]
                }
            )
        }

        private static func status(_ session: SessionDocument) -> String {
            if session.valid { return "open" }
            return session.revokedReason.map { "ended (\($0))" } ?? "ended"
        }
    }
}

/// The JSON shape of `sessions list --json`.
private struct SessionList: Encodable {
    var sessions: [SessionDocument]
}
