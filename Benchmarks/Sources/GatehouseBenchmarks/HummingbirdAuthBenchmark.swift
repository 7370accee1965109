import NIOHTTP1

/// Benchmark 10: what a Swift developer would use instead. Gatehouse's `GET /v1/me` as benchmark 9
/// measures it (a bearer token, SQLite, renewal by interval: verify and read, no write) against
/// hummingbird-auth's sessions kept in memory answering an authenticated `GET /me`, both servers in
/// this process, with the same client and connection count, in alternating rounds.
struct HummingbirdAuthBenchmark {
    let plan: BenchmarkPlan
    let workspace: Workspace

    typealias Throughput = HTTPThroughputBenchmark.Throughput

    /// One round: each server's `/me`, each after its own `/health`.
    struct Round {
        var gatehouse: Throughput
        var gatehouseHealth: Throughput
        var baseline: Throughput
        var baselineHealth: Throughput
    }

    func run() async throws -> BenchmarkResult {
        let gatehouse = try await IntervalRenewalServer.start(databasePath: workspace.database("hb-auth"), sessions: plan.concurrentClients)
        let gatehouseClient = HTTPLoadClient(port: gatehouse.server.port)
        var baseline: HummingbirdAuthServer?
        var baselineClient: HTTPLoadClient?
        do {
            let server = try await HummingbirdAuthServer.start(users: plan.concurrentClients)
            baseline = server
            let client = HTTPLoadClient(port: server.port)
            baselineClient = client
            let result = try await measure(gatehouse: gatehouse, gatehouseClient: gatehouseClient, baseline: server, baselineClient: client)
            await client.shutdown()
            await server.stop()
            await gatehouseClient.shutdown()
            await gatehouse.server.stop()
            return result
        } catch {
            await baselineClient?.shutdown()
            await baseline?.stop()
            await gatehouseClient.shutdown()
            await gatehouse.server.stop()
            throw error
        }
    }

    private func measure(
        gatehouse: IntervalRenewalServer,
        gatehouseClient: HTTPLoadClient,
        baseline: HummingbirdAuthServer,
        baselineClient: HTTPLoadClient
    ) async throws -> BenchmarkResult {
        let connections = plan.concurrentClients
        var cookies: [String] = []
        for user in baseline.users { cookies.append(try await baseline.openSession(for: user)) }
        let headers = baselineClient.baseHeaders(userAgent: Fixtures.userAgent)
        let requests = cookies.map { cookie in
            var headers = headers
            headers.add(name: "Cookie", value: cookie)
            return LoadRequest(method: .GET, uri: "/me", headers: headers, body: nil)
        }
        let gatehouseBody = BodyLength()
        let baselineBody = BodyLength()
        func baselineMe(seconds: Double) async throws -> Throughput {
            try await HTTPThroughputBenchmark.load(client: baselineClient, count: requests.count, seconds: seconds) { index, stop in
                FixedCredentialScript(request: requests[index], credentialHeader: "Set-Cookie", stop: stop, bodyLength: baselineBody)
            }
        }
        func health(_ client: HTTPLoadClient) async throws -> Throughput {
            _ = try await HTTPThroughputBenchmark.healthLoad(client: client, count: connections, seconds: plan.comparisonWarmUpSeconds)
            return try await HTTPThroughputBenchmark.healthLoad(client: client, count: connections, seconds: plan.comparisonSeconds)
        }

        var rounds: [Round] = []
        for _ in 0..<plan.comparisonRounds {
            let baselineHealth = try await health(baselineClient)
            _ = try await baselineMe(seconds: plan.comparisonWarmUpSeconds)
            let baselineRound = try await baselineMe(seconds: plan.comparisonSeconds)
            let gatehouseHealth = try await health(gatehouseClient)
            _ = try await gatehouse.me(client: gatehouseClient, seconds: plan.comparisonWarmUpSeconds)
            let gatehouseRound = try await gatehouse.me(client: gatehouseClient, seconds: plan.comparisonSeconds, bodyLength: gatehouseBody)
            rounds.append(Round(gatehouse: gatehouseRound, gatehouseHealth: gatehouseHealth, baseline: baselineRound, baselineHealth: baselineHealth))
        }
        guard let index = Statistics.medianRoundIndex(rounds.map { ($0.gatehouse.rate, $0.baseline.rate) }) else {
            throw BenchmarkError("no HTTP round completed")
        }
        let round = rounds[index]
        let latency = HTTPThroughputBenchmark.latencySummary
        func versus(_ me: Throughput, _ health: Throughput) -> String {
            "\(Format.number(me.rate))/s vs \(Format.number(health.rate))/s = \(Format.ratio(Statistics.ratio(me.rate, over: health.rate)))"
        }
        return BenchmarkResult(
            benchmark: "hb-auth",
            figure: "authenticated GET requests/s vs hummingbird-auth, \(connections) connections",
            unit: "/s",
            gatehouse: round.gatehouse.rate,
            baselineName:
                "hummingbird-auth 2.5.0 GET /me: SessionMiddleware over MemoryPersistDriver, SessionAuthenticator resolving the session's user id, users in memory; same client and connection count",
            baseline: round.baseline.rate,
            target: .atLeast(1.0),
            notes: [
                "Gatehouse: GET /v1/me with `Authorization: Bearer` on SQLite, renewal by interval (1 h), as in me-read: verify the token, read session and account, write nothing; \(gatehouseBody.value)-byte body (account and session). hummingbird-auth: GET /me with its `SESSION_ID` cookie; \(baselineBody.value)-byte body (the user). No response carried a new credential (`Auth-Token`, `Set-Cookie`; checked on each).",
                "each against its own GET /health in that round: Gatehouse \(versus(round.gatehouse, round.gatehouseHealth)); hummingbird-auth \(versus(round.baseline, round.baselineHealth)).",
                "latency Gatehouse /v1/me \(latency(round.gatehouse.latencies)); hummingbird-auth /me \(latency(round.baseline.latencies)).",
                "process CPU per response in that round (server and client): Gatehouse /v1/me \(Format.microseconds(round.gatehouse.cpuPerResponse)), /health \(Format.microseconds(round.gatehouseHealth.cpuPerResponse)); hummingbird-auth /me \(Format.microseconds(round.baseline.cpuPerResponse)), /health \(Format.microseconds(round.baselineHealth.cpuPerResponse)); hummingbird-auth's CPU per /me over Gatehouse's, \(Format.ratio(Statistics.ratio(round.baseline.cpuPerResponse, over: round.gatehouse.cpuPerResponse))), is the figure's ratio when both sides have the same CPU.",
                "rounds (Gatehouse vs hummingbird-auth, \(Format.number(plan.comparisonSeconds)) s each, hummingbird-auth first, each server's /health just before its /me): \(rounds.map { "\(Format.number($0.gatehouse.rate)) vs \(Format.number($0.baseline.rate))" }.joined(separator: "; ")); the round with the median ratio is reported. Client: SwiftNIO HTTP/1.1 keep-alive, one event-loop thread, in this process.",
            ]
        )
    }
}
