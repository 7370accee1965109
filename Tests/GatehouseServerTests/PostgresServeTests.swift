import Foundation
import Gatehouse
import GatehousePostgres
import GatehouseServer
import HummingbirdTesting
import PostgresNIO
import Testing

/// `gatehouse serve --database postgres://…` end to end. Needs a server named by
/// `GATEHOUSE_TEST_POSTGRES_URL` (see `scripts/postgres-test-cluster.sh`); skipped without one, except
/// under `CI=true`, where it must run.
@Suite(
    "Serving on PostgreSQL",
    .enabled(if: PostgresServer.isIncluded, "set GATEHOUSE_TEST_POSTGRES_URL (scripts/postgres-test-cluster.sh start) to run")
)
struct PostgresServeTests {
    @Test("serve migrates a new schema, generates its key there, and a restart keeps the session")
    func serveAndRestart() async throws {
        try await PostgresServer.withSchema { url in
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.database = try DatabaseLocation.parse(url)
            #expect(configuration.database.isPostgres)

            let token = try await runServer(configuration) { port in
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    #expect(try await client.get("/health").status == .ok)
                    let created = try await client.post(
                        "/v1/accounts",
                        headers: headers(),
                        body: try jsonBody([
                            "username": "pat", "email": "pat@example.com", "password": "correct horse battery",
                        ])
                    )
                    #expect(created.status == .created)
                    let loggedIn = try await client.post(
                        "/v1/login",
                        headers: headers(),
                        body: try jsonBody([
                            "username": "pat", "password": "correct horse battery",
                        ])
                    )
                    return try decode(LoginReply.self, from: try #require(loggedIn.body)).authToken
                }
            }
            try await runServer(configuration) { port in
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    let me = try await client.get("/v1/me", headers: headers(bearer: token))
                    #expect(me.status == .ok)
                }
            }

            // The admin side sees the same database through the same opening code.
            let opened = try StoreOpener.open(configuration.database, logger: quietLogger)
            let keys = try await opened.withRunningStore(logger: quietLogger) { store in
                try await Administration(store: store, passwordHasher: cheapHasher, logger: quietLogger).signingKeys()
            }
            #expect(keys.map(\.status) == [.signing])
        }
    }
}

/// The PostgreSQL server the tests may use, and a schema of their own on it.
enum PostgresServer {
    static var url: String? {
        ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isIncluded: Bool {
        url != nil || ["true", "1", "yes"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
    }

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "CI=true but GATEHOUSE_TEST_POSTGRES_URL is not set" }
    }

    /// Runs `body` with a URL whose tables live in a new schema, dropped afterwards.
    static func withSchema(_ body: (String) async throws -> Void) async throws {
        guard let base = url else { throw NotConfigured() }
        let schema = "gatehouse_serve_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = try PostgresStore(url: base, logger: quietLogger)
        let scoped = base + (base.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await admin.run() }
            defer { group.cancelAll() }
            try await admin.client.query("CREATE SCHEMA \(unescaped: schema)")
            do {
                try await body(scoped)
            } catch {
                _ = try? await admin.client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
                throw error
            }
            try await admin.client.query("DROP SCHEMA \(unescaped: schema) CASCADE")
        }
    }
}
