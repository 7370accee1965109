import Foundation
import Gatehouse
import GatehousePostgres

/// Rotations through `Sessions.authenticate(token:client:)` on PostgreSQL: 64 concurrent clients
/// against one client at a time, on the same store. Alone, every rotation is a network round trip for the
/// read and one for the compare-and-swap, so one client at a time waits on the network most of the time;
/// concurrent rotations share their round trips: the store batches their reads into one query and their
/// compare-and-swaps into one statement, a few batches in flight at once. Runs only when given a
/// PostgreSQL URL.
struct PostgresRotationBenchmark {
    let plan: BenchmarkPlan
    let url: String

    func run() async throws -> BenchmarkResult {
        let store = try PostgresStore(url: url, logger: Fixtures.logger)
        return try await withThrowingTaskGroup(of: BenchmarkResult?.self) { group in
            group.addTask {
                try await store.run()
                return nil
            }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await measure(store: store)
        }
    }

    private func measure(store: PostgresStore) async throws -> BenchmarkResult {
        let ring = try Fixtures.keyRing()
        let sessions = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: store)
        // A prefix of its own, so that a database holding earlier runs' accounts takes new ones.
        let prefix = "pgb\(UInt32.random(in: 0 ... 999_999))x"
        var tokens: [String] = []
        for account in try await Fixtures.createAccounts(plan.concurrentClients, prefix: prefix, store: store) {
            tokens.append(try await Fixtures.openSession(for: account, sessions: sessions))
        }
        var rounds: [(gatehouse: Double, baseline: Double)] = []
        var cpu: [(gatehouse: Double, baseline: Double)] = []
        for _ in 0..<plan.rotationRounds {
            tokens[0] = try await RotationLoad.run(sessions: sessions, tokens: [tokens[0]], seconds: plan.warmUpSeconds).tokens[0]
            let single = try await RotationLoad.run(sessions: sessions, tokens: [tokens[0]], seconds: plan.rotationSeconds)
            tokens[0] = single.tokens[0]
            tokens = try await RotationLoad.run(sessions: sessions, tokens: tokens, seconds: plan.warmUpSeconds).tokens
            let concurrent = try await RotationLoad.run(sessions: sessions, tokens: tokens, seconds: plan.rotationSeconds)
            tokens = concurrent.tokens
            rounds.append((concurrent.rate, single.rate))
            cpu.append((concurrent.cpuPerRotation, single.cpuPerRotation))
        }
        guard let index = Statistics.medianRoundIndex(rounds) else { throw BenchmarkError("no PostgreSQL round completed") }
        let reported = rounds[index]
        return BenchmarkResult(
            benchmark: "postgres",
            figure: "rotations/s, PostgreSQL, \(plan.concurrentClients) clients",
            unit: "/s",
            gatehouse: reported.gatehouse,
            baselineName: "the same authenticate(token:client:) on the same store, one client at a time",
            baseline: reported.baseline,
            target: .report,
            notes: [
                "every rotation reads its session and account and writes one compare-and-swap: two round trips alone; concurrent rotations share them, their reads batched into one query and their writes into one statement, with two batches of each in flight on the default pool of 20 connections.",
                "latency per rotation, one client at a time: \(Format.microseconds(1 / max(reported.baseline, 1))).",
                "process CPU per rotation, all threads of this process (the task pool, postgres-nio's event loop, each operation's timeout; the database server's CPU is not counted): \(Format.microseconds(cpu[index].gatehouse)) with \(plan.concurrentClients) clients, \(Format.microseconds(cpu[index].baseline)) with one.",
                "rounds (\(plan.concurrentClients) clients vs one, \(Format.number(plan.rotationSeconds)) s each, one first): \(rounds.map { "\(Format.number($0.gatehouse)) vs \(Format.number($0.baseline))" }.joined(separator: "; ")); the round with the median ratio is reported.",
            ]
        )
    }
}
