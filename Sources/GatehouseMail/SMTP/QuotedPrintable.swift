/// The quoted-printable content transfer encoding (RFC 2045 §6.7) of UTF-8 text.
///
/// The result is ASCII, with CRLF line ends and no line longer than ``maximumLineLength`` characters:
/// printable characters stay as they are, `=`, control characters and every byte of a non-ASCII
/// character become `=XX`, a space or tab at the end of a line becomes `=20` or `=09`, and a long line
/// is broken with soft line breaks (`=` at the end of a line). Line breaks in the text (CRLF, LF or CR)
/// become CRLF. A line starting with `From ` gets its `F` encoded, so that no mailbox format mistakes
/// it for the start of a message.
enum QuotedPrintable {
    /// RFC 2045 §6.7 (5): encoded lines are at most 76 characters long.
    static let maximumLineLength = 76

    /// Encodes `text`.
    static func encode(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        for (index, line) in lines(of: Array(text.utf8)).enumerated() {
            if index > 0 { output.append(contentsOf: [0x0D, 0x0A]) }
            encodeLine(line, into: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Splits `bytes` at CRLF, LF or CR.
    private static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                lines.append(bytes[start..<index])
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        let startsWithFrom = line.starts(with: Array("From ".utf8))
        var length = 0
        var index = line.startIndex
        while index < line.endIndex {
            let byte = line[index]
            let isLast = index == line.index(before: line.endIndex)
            let token: [UInt8]
            switch byte {
            case 0x20, 0x09:
                token = isLast ? escaped(byte) : [byte]
            case 0x46 where index == line.startIndex && startsWithFrom:
                token = escaped(byte)
            case 0x21...0x7E where byte != UInt8(ascii: "="):
                token = [byte]
            default:
                token = escaped(byte)
            }
            // A soft line break takes one column, except after the line's last token.
            let room = isLast ? maximumLineLength : maximumLineLength - 1
            if length + token.count > room {
                output.append(contentsOf: [UInt8(ascii: "="), 0x0D, 0x0A])
                length = 0
            }
            output.append(contentsOf: token)
            length += token.count
            index = line.index(after: index)
        }
    }

    private static func escaped(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return [UInt8(ascii: "="), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }
}
