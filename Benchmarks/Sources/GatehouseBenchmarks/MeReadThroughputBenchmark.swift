import Gatehouse
import NIOHTTP1

/// Benchmark 9: authenticated `GET /v1/me` on a server that renews tokens by interval, so that a
/// request verifies its token and reads its session and account but writes nothing, against
/// `GET /health` on the same server and connections. Benchmark 3 measures the same request when every
/// response rotates the token.
struct MeReadThroughputBenchmark {
    let plan: BenchmarkPlan
    let workspace: Workspace

    func run() async throws -> BenchmarkResult {
        let gatehouse = try await IntervalRenewalServer.start(databasePath: workspace.database("me-read"), sessions: plan.concurrentClients)
        let client = HTTPLoadClient(port: gatehouse.server.port)
        do {
            let result = try await measure(gatehouse: gatehouse, client: client)
            await client.shutdown()
            await gatehouse.server.stop()
            return result
        } catch {
            await client.shutdown()
            await gatehouse.server.stop()
            throw error
        }
    }

    private func measure(gatehouse: IntervalRenewalServer, client: HTTPLoadClient) async throws -> BenchmarkResult {
        typealias Throughput = HTTPThroughputBenchmark.Throughput
        let connections = gatehouse.tokens.count
        let bodyLength = BodyLength()
        var rounds: [(me: Throughput, health: Throughput)] = []
        for _ in 0..<plan.httpRounds {
            _ = try await HTTPThroughputBenchmark.healthLoad(client: client, count: connections, seconds: plan.warmUpSeconds)
            let healthRound = try await HTTPThroughputBenchmark.healthLoad(client: client, count: connections, seconds: plan.httpSeconds)
            _ = try await gatehouse.me(client: client, seconds: plan.warmUpSeconds)
            let meRound = try await gatehouse.me(client: client, seconds: plan.httpSeconds, bodyLength: bodyLength)
            rounds.append((meRound, healthRound))
        }
        guard let index = Statistics.medianRoundIndex(rounds.map { ($0.me.rate, $0.health.rate) }) else {
            throw BenchmarkError("no HTTP round completed")
        }
        let round = rounds[index]
        let latency = HTTPThroughputBenchmark.latencySummary
        return BenchmarkResult(
            benchmark: "me-read",
            figure: "HTTP requests/s without renewal, \(connections) connections",
            unit: "/s",
            gatehouse: round.me.rate,
            baselineName: "GET /health (no token) on the same server and connections",
            baseline: round.health.rate,
            target: .atLeast(0.65),
            notes: [
                "Gatehouse: GET /v1/me with `Authorization: Bearer` on SQLite, each connection its own session, renewal by interval (`RenewalPolicy.olderThan`, 1 h): each request verifies its token and reads its session and account; no response carried a new token (checked on each). A session's first request marks its token presented, one write per session, in the warm-up.",
                "latency /v1/me \(latency(round.me.latencies)); /health \(latency(round.health.latencies)).",
                "process CPU per response in that round (server and client): /v1/me \(Format.microseconds(round.me.cpuPerResponse)), /health \(Format.microseconds(round.health.cpuPerResponse)), whose inverse ratio, \(Format.ratio(Statistics.ratio(round.health.cpuPerResponse, over: round.me.cpuPerResponse))), is the figure's ratio when both sides have the same CPU; /v1/me answers with a \(bodyLength.value)-byte body.",
                "rounds (/v1/me vs /health, \(Format.number(plan.httpSeconds)) s each, /health first): \(rounds.map { "\(Format.number($0.me.rate)) vs \(Format.number($0.health.rate))" }.joined(separator: "; ")); the round with the median ratio is reported. Client: SwiftNIO HTTP/1.1 keep-alive, one event-loop thread, in this process.",
            ]
        )
    }
}

/// A Gatehouse server on an SQLite file that renews a token only once it is an hour old, with one
/// open session per load connection. No token gets that old within a run, so after the first request
/// of each session (which marks its token presented) a request reads its session and account and
/// writes nothing. Benchmarks 9 and 10 measure it.
struct IntervalRenewalServer {
    static let renewal = RenewalPolicy.olderThan(.seconds(3600))

    let server: BenchmarkServer
    /// One session's token per connection.
    let tokens: [String]

    static func start(databasePath: String, sessions count: Int) async throws -> IntervalRenewalServer {
        let server = try await BenchmarkServer.start(databasePath: databasePath, renewal: renewal)
        do {
            let accounts = try await Fixtures.createAccounts(count, prefix: "read", store: server.store)
            var tokens: [String] = []
            for account in accounts { tokens.append(try await Fixtures.openSession(for: account, sessions: server.accounts.sessions)) }
            return IntervalRenewalServer(server: server, tokens: tokens)
        } catch {
            await server.stop()
            throw error
        }
    }

    /// `GET /v1/me` with each connection's own token for `seconds`; a response with a new token fails it.
    func me(client: HTTPLoadClient, seconds: Double, bodyLength: BodyLength? = nil) async throws -> HTTPThroughputBenchmark.Throughput {
        let base = client.baseHeaders(userAgent: Fixtures.userAgent)
        let requests = tokens.map { token in
            var headers = base
            headers.add(name: "Authorization", value: "Bearer \(token)")
            return LoadRequest(method: .GET, uri: "/v1/me", headers: headers, body: nil)
        }
        return try await HTTPThroughputBenchmark.load(client: client, count: requests.count, seconds: seconds) { index, stop in
            FixedCredentialScript(request: requests[index], credentialHeader: "Auth-Token", stop: stop, bodyLength: bodyLength)
        }
    }
}
