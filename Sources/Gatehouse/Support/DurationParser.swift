/// Parses Powership's duration strings (`"7d"`, `"12h"`, `"30s"`, `"1.5 hours"`, `"500"` = milliseconds),
/// the syntax of the `ms` package: an optional `-`, a decimal number, optional spaces, and an optional
/// case-insensitive unit.
public enum DurationParser {
    private static let unitSeconds: [String: Double] = {
        var table: [String: Double] = [:]
        let groups: [([String], Double)] = [
            (["ms", "msec", "msecs", "millisecond", "milliseconds"], 0.001),
            (["s", "sec", "secs", "second", "seconds"], 1),
            (["m", "min", "mins", "minute", "minutes"], 60),
            (["h", "hr", "hrs", "hour", "hours"], 3_600),
            (["d", "day", "days"], 86_400),
            (["w", "week", "weeks"], 604_800),
            (["y", "yr", "yrs", "year", "years"], 31_557_600),
        ]
        for (names, seconds) in groups { for name in names { table[name] = seconds } }
        return table
    }()

    /// The largest magnitude accepted, about 285,000 years: far below where a count of milliseconds
    /// would overflow `Int64` (9.2e15 seconds), and more than any lifetime needs.
    static let maximumSeconds: Double = 9_000_000_000_000

    /// Parses `text`, or throws ``AccountError/Code/invalidConfiguration``. With `requiringUnit`, a bare
    /// number (which Powership reads as milliseconds) is refused: configuration written by people must
    /// say what it means.
    public static func parse(_ text: String, requiringUnit: Bool = false) throws(AccountError) -> Duration {
        guard let seconds = seconds(in: text, requiringUnit: requiringUnit), abs(seconds) < maximumSeconds else {
            throw AccountError.invalidConfiguration(.duration)
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func seconds(in text: String, requiringUnit: Bool) -> Double? {
        guard !text.isEmpty, text.utf8.count <= 100 else { return nil }
        var scalars = Substring(text)
        var sign = 1.0
        if scalars.first == "-" {
            sign = -1
            scalars = scalars.dropFirst()
        }
        let numberPart = scalars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !numberPart.isEmpty, let number = Double(numberPart), number.isFinite else { return nil }
        let unit = scalars.dropFirst(numberPart.count).drop { $0 == " " }.lowercased()
        if unit.isEmpty { return requiringUnit ? nil : sign * number / 1000 }
        guard let factor = unitSeconds[unit] else { return nil }
        return sign * number * factor
    }
}
