import Foundation
import Gatehouse
import NIOCore
import NIOHTTP1
import Synchronization

/// Benchmark 5: a burst of concurrent password logins (scrypt with the seed's parameters) while a
/// light, steady stream of `GET /health` runs — does the burst stall other requests?
struct LoginBurstBenchmark {
    let plan: BenchmarkPlan
    let workspace: Workspace

    func run() async throws -> BenchmarkResult {
        let server = try await BenchmarkServer.start(databasePath: workspace.database("logins"))
        let client = HTTPLoadClient(port: server.port)
        do {
            let result = try await measure(server: server, client: client)
            await client.shutdown()
            await server.stop(within: 2)
            return result
        } catch {
            await client.shutdown()
            await server.stop(within: 2)
            throw error
        }
    }

    private func measure(server: BenchmarkServer, client: HTTPLoadClient) async throws -> BenchmarkResult {
        let hasher = ScryptPasswordHasher()
        let hash = try await hasher.hash(AccountValidation.normalize(Fixtures.password))
        let accounts = try await Fixtures.createAccounts(plan.burstLogins, prefix: "burst", store: server.store, passwordHash: hash)
        let headers = client.baseHeaders(userAgent: Fixtures.userAgent)
        let health = LoadRequest(method: .GET, uri: "/health", headers: headers, body: nil)

        // Warm the server and the probes' connections.
        _ = try await probe(client: client, request: health, seconds: plan.warmUpSeconds)

        // The quiet windows bracket the burst, so that load drifting during the run weighs on both.
        let quietBefore = try await probe(client: client, request: health, seconds: plan.quietSeconds / 2)
        let answered = Mutex(0)
        let burst = try await probe(client: client, request: health, seconds: nil) {
            let count = try await self.logins(client: client, headers: headers, usernames: accounts.map(\.username))
            answered.withLock { $0 = count }
        }
        let loginsAnswered = answered.withLock { $0 }
        let quietAfter = try await probe(client: client, request: health, seconds: plan.quietSeconds / 2)
        guard let burstSeconds = burst.workSeconds else { throw BenchmarkError("the login burst did not run") }
        let quietSorted = (quietBefore.latencies + quietAfter.latencies).sorted()
        let burstSorted = burst.latencies.sorted()
        let quietP99 = Statistics.percentile(99, ofSorted: quietSorted) ?? 0
        let burstP99 = Statistics.percentile(99, ofSorted: burstSorted) ?? 0
        let loginsPerSecond = Statistics.rate(count: loginsAnswered, seconds: burstSeconds)
        func describe(_ sorted: [Double]) -> String {
            "p50 \(Format.microseconds(Statistics.percentile(50, ofSorted: sorted) ?? 0)), p99 \(Format.microseconds(Statistics.percentile(99, ofSorted: sorted) ?? 0)), max \(Format.microseconds(sorted.last ?? 0)) (\(Format.grouped(sorted.count)) requests)"
        }
        return BenchmarkResult(
            benchmark: "logins",
            figure: "/health p99 during \(plan.burstLogins) concurrent logins",
            unit: "µs",
            gatehouse: burstP99 * 1e6,
            baselineName: "/health p99 with no logins, same probes (half the window before the burst, half after)",
            baseline: quietP99 * 1e6,
            target: .atMost(3),
            notes: [
                "logins/s: \(Format.number(loginsPerSecond)) (\(plan.burstLogins) POST /v1/login on their own connections, all sent at once, scrypt N=2^15 r=8 p=1, one hash at a time on \(BoundedWorkPool.defaultWidth) of \(ProcessInfo.processInfo.activeProcessorCount) cores; \(loginsAnswered) answered in \(Format.number(burstSeconds)) s\(loginsAnswered < plan.burstLogins ? ", when the \(Format.number(plan.burstLimitSeconds)) s bound ended the burst" : "")).",
                "/health during the burst: \(describe(burstSorted)); without: \(describe(quietSorted)).",
                "probes: \(plan.probeConnections) keep-alive connections, each sending GET /health, waiting for the answer, then pausing \(plan.probeIntervalMicroseconds) µs before the next.",
            ]
        )
    }

    struct ProbeResult {
        var latencies: [Double]
        var workSeconds: Double?
    }

    /// Runs the probes for `seconds`, or for as long as `work` runs; returns the latencies of the
    /// probe responses that completed inside that window.
    private func probe(
        client: HTTPLoadClient,
        request: LoadRequest,
        seconds: Double?,
        work: (@Sendable () async throws -> Void)? = nil
    ) async throws -> ProbeResult {
        let stop = StopSignal()
        let pause = TimeAmount.microseconds(plan.probeIntervalMicroseconds)
        let connections = try await client.connect(count: plan.probeConnections) { _ in
            RepeatingScript(request: request, pause: pause, stop: stop)
        }
        client.start(connections)
        // Let every probe connection get going before the window opens.
        try await Task.sleep(for: .milliseconds(50))
        let start = NIODeadline.now()
        var workSeconds: Double?
        if let work {
            do {
                try await work()
            } catch {
                stop.set()
                _ = try? await client.reports(connections)
                throw error
            }
            workSeconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        } else if let seconds {
            try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
        }
        let end = NIODeadline.now()
        stop.set()
        let reports = try await client.reports(connections)
        var latencies: [Double] = []
        for report in reports {
            if report.failures > 0 { throw BenchmarkError("a /health probe failed: \(report.lastFailure ?? "unknown")") }
            for sample in report.samples where sample.completedAt >= start.uptimeNanoseconds && sample.completedAt <= end.uptimeNanoseconds {
                latencies.append(Double(sample.nanoseconds) / 1e9)
            }
        }
        return ProbeResult(latencies: latencies, workSeconds: workSeconds)
    }

    /// Opens one connection per login, then sends every login at once and waits for the answers, at
    /// most ``BenchmarkPlan/burstLimitSeconds``; returns how many logins were answered.
    private func logins(client: HTTPLoadClient, headers: HTTPHeaders, usernames: [String]) async throws -> Int {
        var jsonHeaders = headers
        jsonHeaders.add(name: "Content-Type", value: "application/json")
        let loginHeaders = jsonHeaders
        let connections = try await client.connect(count: usernames.count) { index in
            let body = #"{"username":"\#(usernames[index])","password":"\#(Fixtures.password)"}"#
            var headers = loginHeaders
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            return SingleRequestScript(request: LoadRequest(method: .POST, uri: "/v1/login", headers: headers, body: ByteBuffer(string: body)))
        }
        client.start(connections)
        let (finished, _) = await client.reports(connections, within: plan.burstLimitSeconds)
        for report in finished where report.failures > 0 {
            throw BenchmarkError("a login failed: \(report.lastFailure ?? "unknown")")
        }
        return finished.count
    }
}
