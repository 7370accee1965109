import Testing

@testable import GatehouseBenchmarks

/// The harness arithmetic, on synthetic numbers only.
@Suite("Benchmark statistics")
struct StatisticsTests {
    @Test(
        "Nearest-rank percentiles",
        arguments: [
            (50.0, 50.0), (99.0, 99.0), (100.0, 100.0), (0.0, 1.0), (0.5, 1.0), (99.5, 100.0),
        ]
    )
    func percentiles(p: Double, expected: Double) {
        let samples = (1...100).map(Double.init).shuffled()
        #expect(Statistics.percentile(p, of: samples) == expected)
    }

    @Test("Percentiles of few samples pick an existing sample")
    func fewSamples() {
        #expect(Statistics.percentile(99, of: [3, 1, 2]) == 3)
        #expect(Statistics.percentile(50, of: [3, 1, 2]) == 2)
        #expect(Statistics.percentile(50, of: [7]) == 7)
        #expect(Statistics.percentile(50, of: []) == nil)
    }

    @Test("Ratios and rates refuse meaningless baselines")
    func ratios() {
        #expect(Statistics.ratio(200, over: 400) == 0.5)
        #expect(Statistics.ratio(6, over: 1) == 6)
        #expect(Statistics.ratio(1, over: 0) == nil)
        #expect(Statistics.ratio(1, over: -2) == nil)
        #expect(Statistics.ratio(.infinity, over: 1) == nil)
        #expect(Statistics.rate(count: 500, seconds: 2) == 250)
        #expect(Statistics.rate(count: 500, seconds: 0) == 0)
        #expect(Statistics.mean([1, 2, 3, 6]) == 3)
    }

    @Test("The reported round is the one with the median ratio")
    func medianRound() {
        let rounds = [(gatehouse: 30.0, baseline: 10.0), (gatehouse: 20.0, baseline: 10.0), (gatehouse: 50.0, baseline: 10.0)]
        #expect(Statistics.medianRoundIndex(rounds) == 0)
        // An even count takes the lower middle round; a round without a usable baseline is ignored.
        let even = [
            (gatehouse: 4.0, baseline: 1.0), (gatehouse: 1.0, baseline: 1.0), (gatehouse: 9.0, baseline: 0.0), (gatehouse: 2.0, baseline: 1.0),
        ]
        #expect(Statistics.medianRoundIndex(even) == 3)
        #expect(Statistics.medianRoundIndex([]) == nil)
    }

    @Test("Targets: at least, at most, report only")
    func targets() {
        #expect(Target.atLeast(0.4).isMet(by: 0.4) == true)
        #expect(Target.atLeast(0.4).isMet(by: 0.39) == false)
        #expect(Target.atLeast(5).isMet(by: nil) == false)
        #expect(Target.atMost(1.3).isMet(by: 1.3) == true)
        #expect(Target.atMost(1.3).isMet(by: 1.31) == false)
        #expect(Target.report.isMet(by: 12) == nil)
    }

    @Test("A result computes its ratio and verdict from its two values")
    func result() {
        let throughput = BenchmarkResult(
            benchmark: "t",
            figure: "f",
            unit: "/s",
            gatehouse: 30_000,
            baselineName: "b",
            baseline: 5_000,
            target: .atLeast(5)
        )
        #expect(throughput.ratio == 6)
        #expect(throughput.passed == true)
        let latency = BenchmarkResult(benchmark: "t", figure: "f", unit: "µs", gatehouse: 400, baselineName: "b", baseline: 100, target: .atMost(3))
        #expect(latency.ratio == 4)
        #expect(latency.verdict == "FAIL")
        let report = BenchmarkResult(benchmark: "t", figure: "f", unit: "allocs", gatehouse: 10, baselineName: "b", baseline: 0, target: .report)
        #expect(report.ratio == nil)
        #expect(report.verdict == "—")
    }

    @Test("Numbers print with few digits and grouped thousands")
    func formatting() {
        #expect(Format.number(1_234_567) == "1,234,567")
        #expect(Format.number(12.345) == "12.3")
        #expect(Format.number(1.2345) == "1.23")
        #expect(Format.number(0.01234) == "0.012")
        #expect(Format.ratio(0.456) == "0.46x")
        #expect(Format.ratio(12.34) == "12.3x")
        #expect(Format.ratio(nil) == "—")
        #expect(Format.grouped(-1_000) == "-1,000")
    }
}
