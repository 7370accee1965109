import Foundation

/// The whole run: where it ran, how long it took, and one result per figure.
struct Report: Sendable, Encodable {
    var mode: String
    var machine: MachineDescription
    var seconds: Double
    var results: [BenchmarkResult]
    /// Benchmarks that could not run, with the reason.
    var errors: [String]

    /// Aligned columns for people, then the baseline and notes of each line.
    func table() -> String {
        var lines: [String] = []
        lines.append("Gatehouse benchmarks (\(mode) run, \(Format.fixed(seconds, digits: 1)) s)")
        lines.append("machine: \(machine.summary)")
        lines.append("")
        let header = ["#", "figure", "Gatehouse", "baseline", "ratio", "target", "result"]
        let rows = results.enumerated().map { index, result in
            [
                "\(index + 1)", result.figure,
                "\(Format.number(result.gatehouse)) \(result.unit)", "\(Format.number(result.baseline)) \(result.unit)",
                Format.ratio(result.ratio), result.target.label, result.verdict,
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [0, 2, 3, 4]
        func render(_ row: [String]) -> String {
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: " | ")
        }
        lines.append(render(header))
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-|-"))
        lines.append(contentsOf: rows.map(render))
        lines.append("")
        for (index, result) in results.enumerated() {
            lines.append("\(index + 1). \(result.figure): baseline = \(result.baselineName).")
            for note in result.notes { lines.append("   - \(note)") }
        }
        for error in errors { lines.append("ERROR \(error)") }
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// The machine a run happened on, as the report prints it.
struct MachineDescription: Sendable, Encodable {
    var cores: Int
    var cpu: String
    var memoryBytes: UInt64
    var system: String

    static func current() -> MachineDescription {
        let info = ProcessInfo.processInfo
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
            .flatMap { text in
                text.split(separator: "\n").first { $0.hasPrefix("model name") }
                    .flatMap { line in line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } }
            } ?? "unknown"
        return MachineDescription(
            cores: info.activeProcessorCount,
            cpu: cpu,
            memoryBytes: info.physicalMemory,
            system: info.operatingSystemVersionString
        )
    }

    var summary: String {
        let gibibytes = Double(memoryBytes) / Double(1 << 30)
        return "\(cores) cores, \(cpu), \(Format.fixed(gibibytes, digits: 1)) GiB, \(system)"
    }
}
