/// One reply of an SMTP server (RFC 5321 §4.2): a three-digit code and one or more lines of text.
///
/// A multi-line reply repeats its code on every line, with `-` after the code on every line but the
/// last (`250-first`, `250-second`, `250 last`).
struct SMTPReply: Sendable, Equatable {
    /// The reply code, 200 to 599.
    var code: Int
    /// The text of each line, after the code and its separator.
    var lines: [String]

    init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// Assembles the reply that `lines` (without their line ends) form: every line carries the same
    /// code, and only the last one ends the reply.
    init(lines rawLines: [String]) throws(ParseError) {
        var parsed: [Line] = []
        for raw in rawLines {
            parsed.append(try Line(parsing: Array(raw.utf8)))
        }
        guard let last = parsed.last, last.isLast else { throw .incomplete }
        for (index, line) in parsed.enumerated() {
            guard line.code == last.code else { throw .inconsistentCodes }
            guard line.isLast == (index == parsed.count - 1) else { throw .incomplete }
        }
        self.init(code: last.code, lines: parsed.map(\.text))
    }

    /// 2xx: the command was accepted.
    var isPositiveCompletion: Bool { (200..<300).contains(code) }
    /// 3xx: the server waits for more (`354` after `DATA`, `334` during `AUTH`).
    var isPositiveIntermediate: Bool { (300..<400).contains(code) }
    /// 4xx: refused for now; the same command may succeed later.
    var isTransientNegative: Bool { (400..<500).contains(code) }
    /// 5xx: refused.
    var isPermanentNegative: Bool { (500..<600).contains(code) }

    /// The enhanced status code (RFC 3463) that starts the first line, such as `5.1.1`, when there is one
    /// whose class matches the reply code's first digit.
    var enhancedStatusCode: String? {
        guard let first = lines.first else { return nil }
        let token = first.prefix { $0 != " " }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            parts[0] == "\(code / 100)",
            parts[1].count >= 1, parts[1].count <= 3, parts[1].allSatisfy(\.isASCIIDigit),
            parts[2].count >= 1, parts[2].count <= 3, parts[2].allSatisfy(\.isASCIIDigit)
        else { return nil }
        return String(token)
    }

    /// The code and the enhanced status code, if any (`550 5.1.1`): what an error may say about the
    /// reply. The server's free text is left out, as it may repeat an address.
    var summary: String {
        if let enhanced = enhancedStatusCode { return "\(code) \(enhanced)" }
        return "\(code)"
    }

    /// Why a reply could not be read.
    enum ParseError: Error, Equatable, CustomStringConvertible {
        /// A line does not start with a valid three-digit code followed by the end, a space or `-`.
        case malformedLine
        /// The lines of one reply carry different codes.
        case inconsistentCodes
        /// The lines end before a line without `-`.
        case incomplete
        /// A line is longer than any server should send.
        case lineTooLong
        /// A multi-line reply has more lines than any server should send.
        case tooManyLines

        var description: String {
            switch self {
            case .malformedLine: "malformed reply line"
            case .inconsistentCodes: "reply lines with different codes"
            case .incomplete: "incomplete reply"
            case .lineTooLong: "reply line too long"
            case .tooManyLines: "reply with too many lines"
            }
        }
    }

    /// One line of a reply.
    struct Line: Sendable, Equatable {
        var code: Int
        /// Whether the line ends the reply (a space or nothing after the code, rather than `-`).
        var isLast: Bool
        var text: String

        /// Reads one line, without its line end.
        init(parsing bytes: [UInt8]) throws(ParseError) {
            guard bytes.count >= 3 else { throw .malformedLine }
            let digits = bytes[0..<3]
            guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { throw .malformedLine }
            let values = digits.map { Int($0 - UInt8(ascii: "0")) }
            // RFC 5321 §4.2: the first digit is 2 to 5, the second 0 to 5.
            guard (2...5).contains(values[0]), (0...5).contains(values[1]) else { throw .malformedLine }
            code = values[0] * 100 + values[1] * 10 + values[2]
            if bytes.count == 3 {
                isLast = true
                text = ""
                return
            }
            switch bytes[3] {
            case UInt8(ascii: " "): isLast = true
            case UInt8(ascii: "-"): isLast = false
            default: throw .malformedLine
            }
            text = String(decoding: bytes[4...], as: UTF8.self)
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
