import Foundation

/// How the commands print: aligned columns for people, JSON for scripts.
enum Output {
    /// Prints `value` as pretty-printed JSON with ISO 8601 dates and sorted keys.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Prints a table with a header row, each column as wide as its widest cell.
    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        for row in [header] + rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }

    /// Writes a line to standard output at once, unbuffered: for the lines a supervisor or a script
    /// waits for while the process keeps running.
    static func immediately(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A date as people read it in a table: ISO 8601 in UTC, to the second.
    static func date(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
