import ArgumentParser
import GatehouseServer

extension KeysCommand {
    /// `gatehouse keys list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys, oldest first, without their secrets.")

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup
        var databaseOptions: DatabaseOptions

        func run() async throws {
            let keys = try await databaseOptions.withAdministration { admin in try await admin.signingKeys() }
            if json {
                try Output.json(KeyList(keys: keys))
                return
            }
            guard !keys.isEmpty else {
                print("No keys yet: `gatehouse serve` generates one on first start.")
                return
            }
            Output.table(["KID", "CREATED", "STATUS"], keys.map { [$0.kid, Output.date($0.createdAt), $0.status.rawValue] })
        }
    }
}

/// The JSON shape of `keys list --json`.
private struct KeyList: Encodable {
    var keys: [SigningKeySummary]
}
