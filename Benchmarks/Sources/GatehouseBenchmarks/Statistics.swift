/// The arithmetic every benchmark shares, kept apart from measuring so that it can be checked on
/// synthetic numbers.
enum Statistics {
    /// The nearest-rank percentile (`p` in 0...100) of `samples`: the smallest sample that at least
    /// `p` percent of the samples do not exceed. `nil` for no samples.
    static func percentile(_ p: Double, of samples: [Double]) -> Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        return percentile(p, ofSorted: sorted)
    }

    /// ``percentile(_:of:)`` for samples already in ascending order.
    static func percentile(_ p: Double, ofSorted sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let clamped = min(100, max(0, p))
        let rank = Int((clamped / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    static func mean(_ samples: [Double]) -> Double? {
        guard !samples.isEmpty else { return nil }
        return samples.reduce(0, +) / Double(samples.count)
    }

    /// Gatehouse's value over the baseline's; `nil` when the baseline is not a positive number, so a
    /// failed baseline never turns into an infinite "pass".
    static func ratio(_ gatehouse: Double, over baseline: Double) -> Double? {
        guard baseline > 0, baseline.isFinite, gatehouse.isFinite, gatehouse >= 0 else { return nil }
        return gatehouse / baseline
    }

    /// Of rounds that each measured both sides under the same conditions, the position of the one whose
    /// ratio is the median (the lower middle one for an even count): background load that drifts between
    /// rounds then moves neither side's figure more than the other's. A position rather than the round,
    /// so that the other figures of that round are reported with it.
    static func medianRoundIndex(_ rounds: [(gatehouse: Double, baseline: Double)]) -> Int? {
        let ranked = rounds.indices.compactMap { index in ratio(rounds[index].gatehouse, over: rounds[index].baseline).map { (index, $0) } }
            .sorted { $0.1 < $1.1 }
        guard !ranked.isEmpty else { return nil }
        return ranked[(ranked.count - 1) / 2].0
    }

    /// Operations per second for `count` operations in `seconds`; 0 for an empty interval.
    static func rate(count: Int, seconds: Double) -> Double {
        seconds > 0 ? Double(count) / seconds : 0
    }
}

/// What a ratio must be for a benchmark to pass.
enum Target: Sendable, Equatable {
    /// Gatehouse / baseline must be at least this (throughputs).
    case atLeast(Double)
    /// Gatehouse / baseline must be at most this (latencies, costs).
    case atMost(Double)
    /// No target: the figure is reported only.
    case report

    /// Whether `ratio` meets the target; `nil` when there is none. A missing ratio fails.
    func isMet(by ratio: Double?) -> Bool? {
        switch self {
        case .report: nil
        case .atLeast(let bound): ratio.map { $0 >= bound } ?? false
        case .atMost(let bound): ratio.map { $0 <= bound } ?? false
        }
    }

    var label: String {
        switch self {
        case .atLeast(let bound): "≥ \(Format.ratio(bound))"
        case .atMost(let bound): "≤ \(Format.ratio(bound))"
        case .report: "report"
        }
    }
}
