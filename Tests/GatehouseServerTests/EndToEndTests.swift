import Foundation
import Gatehouse
import GatehouseServer
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("The real server over a socket")
struct EndToEndTests {
    @Test("the application serve builds answers health and a sign-up, log-in, me, log-out walk-through")
    func liveApplication() async throws {
        try await withTemporaryDirectory { directory in
            let opened = try await openSQLite(directory.appendingPathComponent("live.sqlite").path)
            var configuration = ServerConfiguration()
            configuration.port = 0
            let ring = try await KeyBootstrap.keyRing(
                for: .database,
                store: opened.store,
                activationDelay: configuration.keyActivationDelay,
                logger: quietLogger
            )
            let accounts = makeAccounts(store: opened.store, ring: ring, configuration: configuration)
            let app = try ServerApplication.make(accounts: accounts, configuration: configuration, logger: quietLogger)
            try await app.test(.live) { client in
                try await signUpLogInMeLogOut(client, username: "ada")
            }
        }
    }

    @Test("ServerService migrates a new file, generates its key, serves on 127.0.0.1, shuts down gracefully, and a restart keeps tokens valid")
    func serverServiceRestart() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.database = .sqlite(path: directory.appendingPathComponent("serve.sqlite").path)

            let token = try await runServer(configuration) { port in
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    let health = try await client.get("/health")
                    #expect(health.status == .ok)
                    let created = try await client.post(
                        "/v1/accounts",
                        headers: headers(),
                        body: try jsonBody([
                            "username": "grace", "email": "grace@example.com", "password": "correct horse battery",
                        ])
                    )
                    #expect(created.status == .created)
                    let loggedIn = try await client.post(
                        "/v1/login",
                        headers: headers(),
                        body: try jsonBody([
                            "username": "grace", "password": "correct horse battery",
                        ])
                    )
                    #expect(loggedIn.status == .ok)
                    return try decode(LoginReply.self, from: try #require(loggedIn.body)).authToken
                }
            }

            // A new process on the same file: same key, same sessions.
            try await runServer(configuration) { port in
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    let me = try await client.get("/v1/me", headers: headers(bearer: token))
                    #expect(me.status == .ok)
                    #expect(try decode(MeReply.self, from: try #require(me.body)).account.username == "grace")
                }
            }
        }
    }
}
