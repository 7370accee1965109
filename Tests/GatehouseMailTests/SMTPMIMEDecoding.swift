import Foundation

/// Decoders for what the SMTP message encoder writes, so that tests can check a round trip: written
/// apart from the encoder, after RFC 2045 and RFC 2047.
enum SMTPMIMEDecoding {
    /// Quoted-printable to text: soft line breaks removed, `=XX` turned back into bytes.
    static func quotedPrintable(_ encoded: String) -> String {
        let bytes = Array(encoded.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "=") {
                let next = bytes[(index + 1)..<min(index + 3, bytes.count)]
                if next.elementsEqual([0x0D, 0x0A]) {
                    index += 3
                    continue
                }
                if next.count == 2, let value = UInt8(String(decoding: next, as: UTF8.self), radix: 16) {
                    output.append(value)
                    index += 3
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A header value with folding removed and `=?utf-8?B?…?=` words decoded; the white space between
    /// two encoded words goes, as RFC 2047 §6.2 says.
    static func headerValue(_ folded: String) -> String {
        let unfolded = folded.replacingOccurrences(of: "\r\n", with: "")
        var output = ""
        var rest = Substring(unfolded)
        var previousWasEncoded = false
        while !rest.isEmpty {
            if rest.hasPrefix("=?utf-8?B?"), let end = rest.range(of: "?=") {
                let payload = rest[rest.index(rest.startIndex, offsetBy: 10)..<end.lowerBound]
                let data = Data(base64Encoded: String(payload)) ?? Data()
                output += String(decoding: data, as: UTF8.self)
                rest = rest[end.upperBound...]
                previousWasEncoded = true
                continue
            }
            let spaces = rest.prefix { $0 == " " || $0 == "\t" }
            if !spaces.isEmpty {
                let after = rest.dropFirst(spaces.count)
                if !(previousWasEncoded && after.hasPrefix("=?utf-8?B?")) { output += spaces }
                rest = after
                continue
            }
            output.append(rest.removeFirst())
            previousWasEncoded = false
        }
        return output
    }

    /// The lines of `text`, split at CRLF.
    static func lines(_ text: String) -> [String] {
        text.components(separatedBy: "\r\n")
    }
}
