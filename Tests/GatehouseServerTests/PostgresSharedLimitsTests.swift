import Foundation
import Gatehouse
import GatehouseServer
import HTTPTypes
import HummingbirdTesting
import Testing

/// Two `gatehouse serve` instances on one PostgreSQL database count login and sign-up attempts
/// together: a client cannot double its guesses by spreading them over the servers of a cluster, nor
/// reset them by waiting for a restart.
@Suite(
    "Limits shared by the servers of a PostgreSQL cluster",
    .enabled(if: PostgresServer.isIncluded, "set GATEHOUSE_TEST_POSTGRES_URL (scripts/postgres-test-cluster.sh start) to run")
)
struct PostgresSharedLimitsTests {
    static let password = "correct horse battery"

    @Test("Wrong passwords sent to two servers count against one limit, and a restarted server still refuses")
    func loginLimitIsShared() async throws {
        try await PostgresServer.withSchema { url in
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.database = try DatabaseLocation.parse(url)
            configuration.loginLimits.perPair = RateLimit(count: 4, window: .seconds(900))
            let server = configuration

            try await runServer(server) { first in
                try await runServer(server) { second in
                    try await TestClient.withClient(host: "127.0.0.1", port: first) { a in
                        try await TestClient.withClient(host: "127.0.0.1", port: second) { b in
                            #expect(try await signUp(a, "quinn").status == .created)
                            // Two wrong guesses on each server: the fifth attempt, anywhere, is over the limit.
                            for client in [a, b, a, b] {
                                let refused = try await logIn(client, "quinn", password: "wrong password")
                                #expect(refused.status == .unauthorized)
                            }
                            let refusedOnA = try await logIn(a, "quinn", password: Self.password)
                            #expect(refusedOnA.status == .tooManyRequests)
                            #expect(refusedOnA.headers[.retryAfter] != nil)
                            #expect(try await logIn(b, "quinn", password: Self.password).status == .tooManyRequests)
                        }
                    }
                }
            }
            // A new server on the same database remembers.
            try await runServer(server) { port in
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    let refused = try await logIn(client, "quinn", password: Self.password)
                    #expect(refused.status == .tooManyRequests)
                }
            }
        }
    }

    @Test("Sign-ups on two servers count against one limit per address")
    func signUpLimitIsShared() async throws {
        try await PostgresServer.withSchema { url in
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.database = try DatabaseLocation.parse(url)
            configuration.signUpLimit = RateLimit(count: 3, window: .seconds(3_600))
            let server = configuration

            try await runServer(server) { first in
                try await runServer(server) { second in
                    try await TestClient.withClient(host: "127.0.0.1", port: first) { a in
                        try await TestClient.withClient(host: "127.0.0.1", port: second) { b in
                            #expect(try await signUp(a, "river1").status == .created)
                            #expect(try await signUp(b, "river2").status == .created)
                            #expect(try await signUp(a, "river3").status == .created)
                            let refused = try await signUp(b, "river4")
                            #expect(refused.status == .tooManyRequests)
                            #expect(refused.headers[.retryAfter] != nil)
                            #expect(try await logIn(a, "river4", password: Self.password).status == .unauthorized)
                        }
                    }
                }
            }
        }
    }

    private func signUp(_ client: TestClient, _ username: String) async throws -> TestClient.Response {
        try await client.post(
            "/v1/accounts",
            headers: headers(),
            body: try jsonBody(["username": username, "email": "\(username)@example.com", "password": Self.password])
        )
    }

    private func logIn(_ client: TestClient, _ username: String, password: String) async throws -> TestClient.Response {
        try await client.post("/v1/login", headers: headers(), body: try jsonBody(["username": username, "password": password]))
    }
}
