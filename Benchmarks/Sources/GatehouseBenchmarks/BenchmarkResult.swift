/// One line of the report: a figure measured for Gatehouse and for its baseline in the same run.
struct BenchmarkResult: Sendable, Encodable {
    /// Which benchmark produced it (`verify`, `rotate`, ...).
    var benchmark: String
    /// What was measured, in words.
    var figure: String
    var unit: String
    var gatehouse: Double
    /// What the baseline is, in words.
    var baselineName: String
    var baseline: Double
    var ratio: Double?
    var target: Target
    /// Further figures and caveats, one sentence each.
    var notes: [String]

    init(
        benchmark: String,
        figure: String,
        unit: String,
        gatehouse: Double,
        baselineName: String,
        baseline: Double,
        target: Target,
        notes: [String] = []
    ) {
        self.benchmark = benchmark
        self.figure = figure
        self.unit = unit
        self.gatehouse = gatehouse
        self.baselineName = baselineName
        self.baseline = baseline
        self.ratio = Statistics.ratio(gatehouse, over: baseline)
        self.target = target
        self.notes = notes
    }

    var passed: Bool? { target.isMet(by: ratio) }

    var verdict: String {
        switch passed {
        case true?: "pass"
        case false?: "FAIL"
        case nil: "—"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case benchmark, figure, unit, gatehouse, baselineName, baseline, ratio, target, result, notes
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(benchmark, forKey: .benchmark)
        try container.encode(figure, forKey: .figure)
        try container.encode(unit, forKey: .unit)
        try container.encode(Format.finite(gatehouse), forKey: .gatehouse)
        try container.encode(baselineName, forKey: .baselineName)
        try container.encode(Format.finite(baseline), forKey: .baseline)
        try container.encode(ratio.flatMap(Format.finite), forKey: .ratio)
        try container.encode(target.label, forKey: .target)
        try container.encode(passed.map { $0 ? "pass" : "fail" } ?? "report", forKey: .result)
        try container.encode(notes, forKey: .notes)
    }
}

/// Number formatting for the table: few significant digits, thousands grouped.
enum Format {
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let magnitude = abs(value)
        if magnitude >= 100 { return grouped(Int(value.rounded())) }
        if magnitude >= 10 { return fixed(value, digits: 1) }
        if magnitude >= 1 { return fixed(value, digits: 2) }
        if magnitude == 0 { return "0" }
        return fixed(value, digits: 3)
    }

    static func ratio(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return (abs(value) >= 10 ? fixed(value, digits: 1) : fixed(value, digits: 2)) + "x"
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        let padded = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
        return (value < 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + padded : "")
    }

    static func finite(_ value: Double) -> Double? {
        value.isFinite ? value : nil
    }

    static func microseconds(_ seconds: Double) -> String {
        number(seconds * 1e6) + " µs"
    }
}
