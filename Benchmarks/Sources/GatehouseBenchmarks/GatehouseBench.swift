import ArgumentParser
import Foundation

/// `gatehouse-bench`: measures Gatehouse against a baseline in the same run, figure by figure, and
/// prints each ratio with its target.
@main
struct GatehouseBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-bench",
        abstract: "Gatehouse benchmarks: each figure measured against an in-run baseline.",
        discussion: """
            Build in release mode, from the repository root: \
            swift run --package-path Benchmarks -c release gatehouse-bench. The default run takes under \
            three minutes, --quick under forty seconds. Benchmarks: \(BenchmarkKind.allCases.map(\.rawValue).joined(separator: ", ")) \
            (postgres only with --postgres).
            """
    )

    @Flag(help: "Print the results as JSON instead of a table.")
    var json = false

    @Flag(help: "A short run (under 40 s): fewer rounds, shorter windows, 100,000 instead of 1,000,000 stored sessions.")
    var quick = false

    @Option(name: .customLong("only"), parsing: .upToNextOption, help: "Run only these benchmarks.")
    var only: [BenchmarkKind] = []

    @Option(help: "Where the benchmark databases go (a new temporary directory by default; removed afterwards).")
    var directory: String?

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL URL for the postgres benchmark, which is skipped without one. It creates accounts and sessions there.",
            valueName: "url"
        )
    )
    var postgres: String?

    func validate() throws {
        if only.contains(.postgres), postgres == nil {
            throw ValidationError("The postgres benchmark needs --postgres <url>.")
        }
    }

    mutating func run() async throws {
        let plan = BenchmarkPlan(quick: quick)
        let workspace = try Workspace(parent: directory)
        defer { workspace.remove() }
        let started = ContinuousClock.now
        var results: [BenchmarkResult] = []
        var errors: [String] = []
        // The login burst runs last: a burst cut short by its time bound leaves hashes queued on the
        // server's pool, which must not run into another benchmark's measurements.
        for kind in BenchmarkKind.runOrder where (only.isEmpty || only.contains(kind)) && (kind != .postgres || postgres != nil) {
            Progress.say("\(kind.rawValue): \(kind.summary)")
            do {
                results += try await kind.run(plan: plan, workspace: workspace, postgres: postgres)
            } catch {
                // One broken benchmark must not hide the others' figures.
                errors.append("\(kind.rawValue): \(error)")
                Progress.say("\(kind.rawValue) failed: \(error)")
            }
        }
        let order = Dictionary(uniqueKeysWithValues: BenchmarkKind.allCases.enumerated().map { ($1.rawValue, $0) })
        results = results.enumerated()
            .sorted { (order[$0.element.benchmark] ?? 0, $0.offset) < (order[$1.element.benchmark] ?? 0, $1.offset) }
            .map(\.element)
        let report = Report(
            mode: quick ? "quick" : "full",
            machine: .current(),
            seconds: (ContinuousClock.now - started).fractionalSeconds,
            results: results,
            errors: errors
        )
        print(json ? try report.json() : report.table())
        if !errors.isEmpty { throw ExitCode.failure }
    }
}

enum BenchmarkKind: String, CaseIterable, ExpressibleByArgument, Sendable {
    // The report numbers figures in this order: `access`, then `me-read` and `hb-auth`, come after those
    // already published so that their numbers stay the same.
    case verify, rotate, http, scale, logins, allocations, access, postgres
    case meRead = "me-read"
    case hbAuth = "hb-auth"

    static let runOrder: [BenchmarkKind] = [.verify, .access, .rotate, .http, .scale, .allocations, .meRead, .hbAuth, .postgres, .logins]

    var summary: String {
        switch self {
        case .verify: "token verification vs raw HMAC-SHA256"
        case .rotate: "rotations through Sessions.authenticate on SQLite, group commit vs one transaction each"
        case .http: "GET /v1/me with rotation vs GET /health over loopback"
        case .scale: "rotation latency with few vs many stored sessions"
        case .logins: "GET /health latency during a burst of logins"
        case .allocations: "heap allocations per login, renewal and verification"
        case .access: "Ed25519 access-token verification vs raw Ed25519 signature verification"
        case .postgres: "rotations through Sessions.authenticate on PostgreSQL, 64 clients vs one at a time"
        case .meRead: "GET /v1/me without renewal (verify and read) vs GET /health over loopback"
        case .hbAuth: "GET /v1/me without renewal vs hummingbird-auth's in-memory sessions answering GET /me"
        }
    }

    func run(plan: BenchmarkPlan, workspace: Workspace, postgres: String?) async throws -> [BenchmarkResult] {
        switch self {
        case .verify: [try TokenVerificationBenchmark(plan: plan).run()]
        case .rotate: [try await RotationThroughputBenchmark(plan: plan, workspace: workspace).run()]
        case .http: [try await HTTPThroughputBenchmark(plan: plan, workspace: workspace).run()]
        case .scale: [try await StoredSessionsBenchmark(plan: plan, workspace: workspace).run()]
        case .logins: [try await LoginBurstBenchmark(plan: plan, workspace: workspace).run()]
        case .allocations: try await AllocationBenchmark(plan: plan, workspace: workspace).run()
        case .access: [try AccessTokenVerificationBenchmark(plan: plan).run()]
        case .meRead: [try await MeReadThroughputBenchmark(plan: plan, workspace: workspace).run()]
        case .hbAuth: [try await HummingbirdAuthBenchmark(plan: plan, workspace: workspace).run()]
        case .postgres:
            if let postgres {
                [try await PostgresRotationBenchmark(plan: plan, url: postgres).run()]
            } else {
                []
            }
        }
    }
}

/// How long and how hard each benchmark runs; `quick` shrinks every window.
struct BenchmarkPlan: Sendable {
    var quick: Bool

    /// Alternating rounds of the two sides; the best round of each side counts.
    var verifyRounds: Int { quick ? 3 : 5 }
    var verifyRoundSeconds: Double { quick ? 0.15 : 0.4 }

    var concurrentClients: Int { 64 }
    /// Paired rounds (baseline, then Gatehouse); the round with the median ratio is reported.
    var rotationRounds: Int { quick ? 1 : 3 }
    var rotationSeconds: Double { quick ? 1.0 : 2.5 }
    var warmUpSeconds: Double { quick ? 0.2 : 0.5 }

    var httpRounds: Int { quick ? 1 : 3 }
    var httpSeconds: Double { quick ? 1.0 : 2.5 }

    /// Rounds of Gatehouse against hummingbird-auth; each measures four windows (both servers' `/me` and
    /// `/health`), so they are shorter than `httpSeconds`.
    var comparisonRounds: Int { quick ? 1 : 3 }
    var comparisonSeconds: Double { quick ? 0.55 : 1.25 }
    var comparisonWarmUpSeconds: Double { quick ? 0.15 : 0.25 }

    var fewSessions: Int { 1_000 }
    var manySessions: Int { quick ? 100_000 : 1_000_000 }
    var scaleSeconds: Double { quick ? 1.0 : 4.0 }
    var scaleSampledSessions: Int { 4_096 }

    var burstLogins: Int { 64 }
    var probeConnections: Int { 4 }
    var probeIntervalMicroseconds: Int64 { 1_000 }
    /// The longest a login burst may last; logins still unanswered then are left out of logins/s.
    var burstLimitSeconds: Double { quick ? 8 : 60 }
    var quietSeconds: Double { quick ? 2.0 : 4.0 }

    var allocationVerifications: Int { quick ? 500 : 2_000 }
    var allocationRenewals: Int { quick ? 200 : 1_000 }
    var allocationLogins: Int { quick ? 3 : 8 }
}

/// A new directory for the benchmark databases (inside the one the user chose, if any), removed at the end.
struct Workspace: Sendable {
    let url: URL

    init(parent: String?) throws {
        let base = parent.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? FileManager.default.temporaryDirectory
        url = base.appendingPathComponent(
            "gatehouse-bench-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: .min ... .max))",
            isDirectory: true
        )
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path for a new database file; any leftover file of that name (and its WAL) is removed first.
    func database(_ name: String) -> String {
        let path = url.appendingPathComponent("\(name).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Progress lines go to standard error, so that `--json` output stays clean.
enum Progress {
    static func say(_ line: String) {
        FileHandle.standardError.write(Data(("» " + line + "\n").utf8))
    }
}
