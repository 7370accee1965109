import Foundation
import Gatehouse
import GatehousePostgres
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL side of the store tests: which server to use, and a fresh schema per test.
///
/// The server comes from `GATEHOUSE_TEST_POSTGRES_URL`. Without it the PostgreSQL tests are left
/// out with a message saying how to enable them; under `CI=true` they are not left out, and fail.
enum PostgresTestSupport {
    static let urlVariable = "GATEHOUSE_TEST_POSTGRES_URL"

    static let howToEnable = """
        PostgreSQL store tests are off: \(urlVariable) is not set. To run them, start a throwaway server with \
        `scripts/postgres-test-cluster.sh start`, then `. .build-pg/env` (or export the URL it prints), and stop it \
        afterwards with `scripts/postgres-test-cluster.sh stop`.
        """

    static let shortHowToEnable = "needs PostgreSQL: `scripts/postgres-test-cluster.sh start && . .build-pg/env`"

    /// The server to test against, if one is configured.
    static var url: String? {
        guard let url = ProcessInfo.processInfo.environment[urlVariable], !url.isEmpty else { return nil }
        return url
    }

    static var isCI: Bool {
        ["true", "1", "yes"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
    }

    /// Whether PostgreSQL tests run: with a server, or under CI where a missing server must fail them.
    static var isIncluded: Bool {
        if url != nil || isCI { return true }
        announceSkip
        return false
    }

    /// Printed once per test run, whichever test asks first.
    private static let announceSkip: Void = {
        FileHandle.standardError.write(Data("note: \(howToEnable)\n".utf8))
    }()

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "CI=true but \(PostgresTestSupport.urlVariable) is not set: the PostgreSQL tests must run in CI. "
                + "Start a server with `scripts/postgres-test-cluster.sh start` and export the URL it prints."
        }
    }

    static func requireURL() throws -> String {
        guard let url else { throw NotConfigured() }
        return url
    }

    // MARK: Stores

    /// Long enough that a busy machine running the whole suite in parallel does not time out;
    /// the outage tests use short ones of their own.
    static let operationTimeout: Duration = .seconds(30)

    /// A configuration for the test server whose tables live in `schema`. Few connections per store,
    /// since many tests run at once against one server.
    static func configuration(url: String? = nil, schema: String, maximumConnections: Int = 4) throws -> PostgresClient.Configuration {
        var configuration = try PostgresURL(url ?? requireURL()).configuration()
        configuration.options.additionalStartupParameters.append(("options", "-c search_path=\(schema)"))
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    static func makeStore(
        schema: String,
        url: String? = nil,
        maximumConnections: Int = 4,
        operationTimeout: Duration = operationTimeout,
        commitClock: (any WallClock)? = nil
    ) throws -> PostgresStore {
        PostgresStore(
            configuration: try configuration(url: url, schema: schema, maximumConnections: maximumConnections),
            operationTimeout: operationTimeout,
            commitClock: commitClock,
            logger: testLogger
        )
    }

    /// Runs `body` against a migrated store in a schema of its own, dropped afterwards.
    static func withStore(_ body: (PostgresStore) async throws -> Void) async throws {
        try await withSchema { schema in
            let store = try makeStore(schema: schema)
            try await running([store]) {
                try await store.migrate()
                try await body(store)
            }
        }
    }

    /// Runs `body` with the name of a new, empty schema that is dropped with everything in it
    /// afterwards, whether `body` succeeds or throws. Tests run in parallel; each gets its own.
    static func withSchema(_ body: (String) async throws -> Void) async throws {
        let schema = "gatehouse_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = try makeStore(schema: schema, maximumConnections: 1)
        try await running([admin]) {
            try await admin.client.query("CREATE SCHEMA \(unescaped: schema)")
            do {
                try await body(schema)
            } catch {
                _ = try? await admin.client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                throw error
            }
            try await admin.client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
        }
    }

    /// Runs the stores' connection pools for the duration of `body`.
    static func running<Result: Sendable>(_ stores: [PostgresStore], _ body: () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask { try await store.run() }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// Enables a PostgreSQL-only test when a server is configured, or under CI (where it then fails);
/// otherwise skips it with the message saying how to enable it.
extension Trait where Self == ConditionTrait {
    static var postgresConfigured: Self {
        .enabled(if: PostgresTestSupport.isIncluded, Comment(rawValue: PostgresTestSupport.shortHowToEnable))
    }
}
