import Foundation
import Gatehouse
import GatehouseSQLite

/// Benchmark 2: rotations per second through `Sessions.authenticate(token:client:)` on an SQLite file
/// with 64 concurrent clients — group commit against one write transaction per rotation, on the same file.
struct RotationThroughputBenchmark {
    let plan: BenchmarkPlan
    let workspace: Workspace

    func run() async throws -> BenchmarkResult {
        let path = workspace.database("rotations")
        let store = try SQLiteStore(path: path, logger: Fixtures.logger)
        let naiveStore = try NaiveSessionStore(base: store, path: path)
        let ring = try Fixtures.keyRing()
        let batched = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: store)
        let naive = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: naiveStore)

        let accounts = try await Fixtures.createAccounts(plan.concurrentClients, prefix: "rotation", store: store)
        var tokens: [String] = []
        for account in accounts { tokens.append(try await Fixtures.openSession(for: account, sessions: batched)) }

        // Gatehouse's store runs its WAL checkpointer, as in `gatehouse serve`; the baseline's own
        // connection checkpoints inside its commits, as SQLite does by default.
        let (rounds, cpu) = try await Fixtures.withCheckpointers([store]) {
            var rounds: [(gatehouse: Double, baseline: Double)] = []
            var cpu: [(gatehouse: Double, baseline: Double)] = []
            for _ in 0..<plan.rotationRounds {
                // Each side warms up (statement caches, connections) before it is measured.
                tokens = try await RotationLoad.run(sessions: naive, tokens: tokens, seconds: plan.warmUpSeconds).tokens
                let naiveRound = try await RotationLoad.run(sessions: naive, tokens: tokens, seconds: plan.rotationSeconds)
                tokens = naiveRound.tokens
                tokens = try await RotationLoad.run(sessions: batched, tokens: tokens, seconds: plan.warmUpSeconds).tokens
                let batchedRound = try await RotationLoad.run(sessions: batched, tokens: tokens, seconds: plan.rotationSeconds)
                tokens = batchedRound.tokens
                rounds.append((batchedRound.rate, naiveRound.rate))
                cpu.append((batchedRound.cpuPerRotation, naiveRound.cpuPerRotation))
            }
            return (rounds, cpu)
        }
        let ceiling = try await memoryCeiling(ring: ring)
        let durable = try await durableRound(ring: ring)
        guard let index = Statistics.medianRoundIndex(rounds) else { throw BenchmarkError("no rotation round completed") }
        let reported = rounds[index]
        return BenchmarkResult(
            benchmark: "rotate",
            figure: "rotations/s, SQLite, \(plan.concurrentClients) clients",
            unit: "/s",
            gatehouse: reported.gatehouse,
            baselineName: "the same authenticate(token:client:) on the same file with one write transaction per rotation",
            baseline: reported.baseline,
            target: .atLeast(5),
            notes: [
                "each client has its own session and always presents its newest token: every request verifies, reads the session, decides, signs and commits a compare-and-swap.",
                "process CPU per rotation in that round: Gatehouse \(Format.microseconds(cpu[index].gatehouse)), baseline \(Format.microseconds(cpu[index].baseline)) (all threads; the machine has \(ProcessInfo.processInfo.activeProcessorCount) cores).",
                "the same load on MemoryStore (no database at all, the most any store could give here): \(Format.number(ceiling.rate)) rotations/s, \(Format.microseconds(ceiling.cpuPerRotation)) of process CPU each, \(Format.ratio(ceiling.rate / reported.baseline)) the baseline.",
                "with durable commits (`SQLiteStore.Durability.full`: synchronous = FULL, one fsync per transaction), one round each on a new file: Gatehouse \(Format.number(durable.gatehouse)) rotations/s vs baseline \(Format.number(durable.baseline)) = \(Format.ratio(Statistics.ratio(durable.gatehouse, over: durable.baseline))).",
                "rounds (Gatehouse vs baseline, \(Format.number(plan.rotationSeconds)) s each, baseline first): \(rounds.map { "\(Format.number($0.gatehouse)) vs \(Format.number($0.baseline))" }.joined(separator: "; ")); the round with the median ratio is reported.",
            ]
        )
    }

    /// One paired round on a store that syncs every commit: where group commit pays most, since the
    /// baseline pays an `fsync` per rotation and Gatehouse one per batch.
    private func durableRound(ring: KeyRing) async throws -> (gatehouse: Double, baseline: Double) {
        let path = workspace.database("rotations-durable")
        let store = try SQLiteStore(path: path, durability: .full, logger: Fixtures.logger)
        let naive = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: try NaiveSessionStore(base: store, path: path))
        let batched = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: store)
        var tokens: [String] = []
        for account in try await Fixtures.createAccounts(plan.concurrentClients, prefix: "durable", store: store) {
            tokens.append(try await Fixtures.openSession(for: account, sessions: batched))
        }
        return try await Fixtures.withCheckpointers([store]) {
            tokens = try await RotationLoad.run(sessions: naive, tokens: tokens, seconds: plan.warmUpSeconds).tokens
            let naiveRound = try await RotationLoad.run(sessions: naive, tokens: tokens, seconds: plan.rotationSeconds)
            tokens = try await RotationLoad.run(sessions: batched, tokens: naiveRound.tokens, seconds: plan.warmUpSeconds).tokens
            let batchedRound = try await RotationLoad.run(sessions: batched, tokens: tokens, seconds: plan.rotationSeconds)
            return (batchedRound.rate, naiveRound.rate)
        }
    }

    /// The same load on `MemoryStore`: rotations without any database, what the session layer itself
    /// costs on this machine.
    private func memoryCeiling(ring: KeyRing) async throws -> RotationLoad.Outcome {
        let store = MemoryStore()
        let sessions = Sessions(options: Fixtures.sessionsOptions(ring: ring), store: store)
        var tokens: [String] = []
        for account in try await Fixtures.createAccounts(plan.concurrentClients, prefix: "memory", store: store) {
            tokens.append(try await Fixtures.openSession(for: account, sessions: sessions))
        }
        tokens = try await RotationLoad.run(sessions: sessions, tokens: tokens, seconds: plan.warmUpSeconds).tokens
        return try await RotationLoad.run(sessions: sessions, tokens: tokens, seconds: plan.rotationSeconds)
    }
}
