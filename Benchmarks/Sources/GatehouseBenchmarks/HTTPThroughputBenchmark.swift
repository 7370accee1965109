import Gatehouse
import NIOCore
import NIOHTTP1

/// Benchmark 3: authenticated `GET /v1/me` (every request rotates its token) against unauthenticated
/// `GET /health`, on the same server, with 64 keep-alive connections over loopback.
struct HTTPThroughputBenchmark {
    let plan: BenchmarkPlan
    let workspace: Workspace

    func run() async throws -> BenchmarkResult {
        let server = try await BenchmarkServer.start(databasePath: workspace.database("http"))
        let client = HTTPLoadClient(port: server.port)
        do {
            var result = try await measure(server: server, client: client)
            await client.shutdown()
            await server.stop()
            result.notes.insert(try await memoryCeiling(), at: 3)
            return result
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
    }

    private func measure(server: BenchmarkServer, client: HTTPLoadClient) async throws -> BenchmarkResult {
        let accounts = try await Fixtures.createAccounts(plan.concurrentClients, prefix: "http", store: server.store)
        var tokens: [String] = []
        for account in accounts { tokens.append(try await Fixtures.openSession(for: account, sessions: server.accounts.sessions)) }
        let headers = client.baseHeaders(userAgent: Fixtures.userAgent)

        var rounds: [(me: Throughput, health: Throughput)] = []
        for _ in 0..<plan.httpRounds {
            _ = try await health(client: client, headers: headers, seconds: plan.warmUpSeconds)
            let healthRound = try await health(client: client, headers: headers, seconds: plan.httpSeconds)
            (_, tokens) = try await me(client: client, headers: headers, tokens: tokens, seconds: plan.warmUpSeconds)
            let meRound: Throughput
            (meRound, tokens) = try await me(client: client, headers: headers, tokens: tokens, seconds: plan.httpSeconds)
            rounds.append((meRound, healthRound))
        }
        guard let index = Statistics.medianRoundIndex(rounds.map { ($0.me.rate, $0.health.rate) }) else {
            throw BenchmarkError("no HTTP round completed")
        }
        let round = rounds[index]
        let reported = (gatehouse: round.me.rate, baseline: round.health.rate)
        let meLatencies = round.me.latencies
        let healthLatencies = round.health.latencies
        func latency(_ samples: [Double]) -> String {
            let sorted = samples.sorted()
            return
                "p50 \(Format.microseconds(Statistics.percentile(50, ofSorted: sorted) ?? 0)), p99 \(Format.microseconds(Statistics.percentile(99, ofSorted: sorted) ?? 0))"
        }
        return BenchmarkResult(
            benchmark: "http",
            figure: "HTTP requests/s, \(plan.concurrentClients) connections",
            unit: "/s",
            gatehouse: reported.gatehouse,
            baselineName: "GET /health (no token) on the same server and connections",
            baseline: reported.baseline,
            target: .atLeast(0.50),
            notes: [
                "Gatehouse: GET /v1/me with `Authorization: Bearer`, each connection its own session, every response renewing the token (read from `Auth-Token`) that the next request presents.",
                "latency /v1/me \(latency(meLatencies)); /health \(latency(healthLatencies)).",
                "process CPU per response in that round (server and client): /v1/me \(Format.microseconds(round.me.cpuPerResponse)), /health \(Format.microseconds(round.health.cpuPerResponse)).",
                "rounds (/v1/me vs /health, \(Format.number(plan.httpSeconds)) s each, /health first): \(rounds.map { "\(Format.number($0.me.rate)) vs \(Format.number($0.health.rate))" }.joined(separator: "; ")); the round with the median ratio is reported. Client: SwiftNIO HTTP/1.1 keep-alive, one event-loop thread, in this process.",
            ]
        )
    }

    /// One round of each side against a server on `MemoryStore`: what the HTTP layer and the session
    /// layer cost without any database.
    private func memoryCeiling() async throws -> String {
        let server = try await BenchmarkServer.start(store: MemoryStore())
        let client = HTTPLoadClient(port: server.port)
        do {
            let accounts = try await Fixtures.createAccounts(plan.concurrentClients, prefix: "memory", store: server.store)
            var tokens: [String] = []
            for account in accounts { tokens.append(try await Fixtures.openSession(for: account, sessions: server.accounts.sessions)) }
            let headers = client.baseHeaders(userAgent: Fixtures.userAgent)
            _ = try await health(client: client, headers: headers, seconds: plan.warmUpSeconds)
            let healthRound = try await health(client: client, headers: headers, seconds: plan.httpSeconds)
            (_, tokens) = try await me(client: client, headers: headers, tokens: tokens, seconds: plan.warmUpSeconds)
            let (meRound, _) = try await me(client: client, headers: headers, tokens: tokens, seconds: plan.httpSeconds)
            await client.shutdown()
            await server.stop()
            return
                "the same on a server with MemoryStore (no database at all): /v1/me \(Format.number(meRound.rate))/s vs /health \(Format.number(healthRound.rate))/s = \(Format.ratio(Statistics.ratio(meRound.rate, over: healthRound.rate))); process CPU per response /v1/me \(Format.microseconds(meRound.cpuPerResponse)), /health \(Format.microseconds(healthRound.cpuPerResponse))."
        } catch {
            await client.shutdown()
            await server.stop()
            throw error
        }
    }

    struct Throughput {
        var rate: Double
        var latencies: [Double]
        /// Process CPU per response (server and client together), in seconds.
        var cpuPerResponse: Double
    }

    private func health(client: HTTPLoadClient, headers: HTTPHeaders, seconds: Double) async throws -> Throughput {
        let request = LoadRequest(method: .GET, uri: "/health", headers: headers, body: nil)
        let stop = StopSignal()
        let connections = try await client.connect(count: plan.concurrentClients) { _ in RepeatingScript(request: request, stop: stop) }
        return try await Self.measure(client: client, connections: connections, stop: stop, seconds: seconds).0
    }

    private func me(client: HTTPLoadClient, headers: HTTPHeaders, tokens: [String], seconds: Double) async throws -> (Throughput, [String]) {
        let stop = StopSignal()
        let connections = try await client.connect(count: tokens.count) { index in
            RotatingTokenScript(uri: "/v1/me", token: tokens[index], baseHeaders: headers, stop: stop)
        }
        let (throughput, reports) = try await Self.measure(client: client, connections: connections, stop: stop, seconds: seconds)
        return (throughput, zip(reports, tokens).map { report, old in report.token ?? old })
    }

    /// Starts the connections, stops them after `seconds`, and counts the responses that completed
    /// inside that window.
    static func measure(
        client: HTTPLoadClient,
        connections: [HTTPLoadClient.Connection],
        stop: StopSignal,
        seconds: Double
    ) async throws -> (Throughput, [ConnectionReport]) {
        let cpuStart = ProcessCPU.seconds()
        let start = NIODeadline.now()
        client.start(connections)
        try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
        let end = NIODeadline.now()
        let cpu = ProcessCPU.seconds() - cpuStart
        stop.set()
        let reports = try await client.reports(connections)
        var count = 0
        var latencies: [Double] = []
        for report in reports {
            if report.failures > 0 { throw BenchmarkError("an HTTP connection failed: \(report.lastFailure ?? "unknown")") }
            for sample in report.samples where sample.completedAt <= end.uptimeNanoseconds {
                count += 1
                latencies.append(Double(sample.nanoseconds) / 1e9)
            }
        }
        let elapsed = Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return (
            Throughput(
                rate: Statistics.rate(count: count, seconds: elapsed),
                latencies: latencies,
                cpuPerResponse: count > 0 ? cpu / Double(count) : 0
            ), reports
        )
    }
}

extension HTTPThroughputBenchmark {
    /// Opens `count` connections, each driven by the script `script(index, stop)` makes, and measures
    /// one window of `seconds`.
    static func load(
        client: HTTPLoadClient,
        count: Int,
        seconds: Double,
        script: @escaping @Sendable (Int, StopSignal) -> any ConnectionScript
    ) async throws -> Throughput {
        let stop = StopSignal()
        let connections = try await client.connect(count: count) { index in script(index, stop) }
        return try await measure(client: client, connections: connections, stop: stop, seconds: seconds).0
    }

    /// `GET /health`, without a credential, on `count` connections for `seconds`.
    static func healthLoad(client: HTTPLoadClient, count: Int, seconds: Double) async throws -> Throughput {
        let request = LoadRequest(method: .GET, uri: "/health", headers: client.baseHeaders(userAgent: Fixtures.userAgent), body: nil)
        return try await load(client: client, count: count, seconds: seconds) { _, stop in RepeatingScript(request: request, stop: stop) }
    }

    /// "p50 …, p99 …" of latencies in seconds.
    static func latencySummary(_ samples: [Double]) -> String {
        let sorted = samples.sorted()
        return
            "p50 \(Format.microseconds(Statistics.percentile(50, ofSorted: sorted) ?? 0)), p99 \(Format.microseconds(Statistics.percentile(99, ofSorted: sorted) ?? 0))"
    }
}
