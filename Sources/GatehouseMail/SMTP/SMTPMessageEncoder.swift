import Foundation

/// Writes a ``MailMessage`` as the content of an SMTP `DATA` command: RFC 5322 headers and a MIME body,
/// seven-bit ASCII with CRLF line ends, whatever the message holds: no header or quoted-printable line
/// longer than 78 characters, and no line at all longer than 998 (RFC 5322 §2.1.1).
///
/// The headers are `From`, `To`, `Subject` (RFC 2047 encoded-words when it is not plain ASCII), `Date`,
/// `Message-ID` (the message's id and the client's name) and `MIME-Version`. A message with both a text
/// and an HTML body is `multipart/alternative` with a `text/plain` and a `text/html` part; a message
/// with one of them is that part alone. A body that is already short-lined ASCII goes as it is
/// (`7bit`), so that a person or a script reading the message finds its links whole; any other body is
/// UTF-8 in quoted-printable.
struct SMTPMessageEncoder: Sendable {
    /// The right-hand side of each `Message-ID`.
    var domain: String

    /// - Parameter heloName: The client's name; it becomes the `Message-ID` domain when it is a valid
    ///   one, `localhost` otherwise.
    init(heloName: String) {
        domain = Self.isMessageIDDomain(heloName) ? heloName : "localhost"
    }

    /// The content of the message, before dot-stuffing.
    func encode(_ message: MailMessage, from: SMTPMailbox, to: SMTPMailbox, date: Date, boundary: String) -> [UInt8] {
        var head = ""
        head += MIMEHeaderEncoding.mailboxField("From", from)
        head += MIMEHeaderEncoding.mailboxField("To", to)
        head += MIMEHeaderEncoding.subjectField(message.subject)
        head += "Date: \(Self.date(date))\r\n"
        head += "Message-ID: \(Self.messageID(message.messageID, domain: domain))\r\n"
        head += "MIME-Version: 1.0\r\n"

        let text = Self.part(type: "text/plain", body: message.text, boundary: boundary)
        let html = Self.part(type: "text/html", body: message.html, boundary: boundary)
        if message.html.isEmpty { return Array((head + text + "\r\n").utf8) }
        if message.text.isEmpty { return Array((head + html + "\r\n").utf8) }
        head += "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n"
        var body = "This is a message in MIME format: a plain text and an HTML version.\r\n"
        body += "\r\n--\(boundary)\r\n" + text
        body += "\r\n--\(boundary)\r\n" + html
        body += "\r\n--\(boundary)--\r\n"
        return Array((head + "\r\n" + body).utf8)
    }

    /// A body part: its `Content-Type` and `Content-Transfer-Encoding` headers, an empty line and the
    /// encoded body, without a final line end.
    private static func part(type: String, body: String, boundary: String) -> String {
        let head = "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: "
        if let lines = sevenBitLines(body), !body.contains(boundary) {
            return head + "7bit\r\n\r\n" + lines.joined(separator: "\r\n")
        }
        return head + "quoted-printable\r\n\r\n" + QuotedPrintable.encode(body)
    }

    /// The lines of `body` when it can travel unencoded (RFC 2045 §2.7): printable ASCII and tabs, no
    /// line longer than 998 octets, no bare CR; `nil` otherwise.
    static func sevenBitLines(_ body: String) -> [Substring]? {
        let lines = body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            guard line.utf8.count <= 998 else { return nil }
            for byte in line.utf8 where !(0x20...0x7E).contains(byte) && byte != 0x09 { return nil }
        }
        return lines
    }

    /// `<id@domain>`: the id with every character outside letters, digits, `-` and `_` written `=XX`, so
    /// that it is a valid `id-left` whatever the outbox id holds.
    static func messageID(_ id: String, domain: String) -> String {
        var left = ""
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"):
                left.append(Character(UnicodeScalar(byte)))
            default:
                left += "=" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        if left.isEmpty { left = "message" }
        return "<\(left)@\(domain)>"
    }

    /// A domain that can stand on the right of a `Message-ID`: a dot-atom of letters, digits, `-` and
    /// `_`, or an address literal.
    static func isMessageIDDomain(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        if bytes.first == UInt8(ascii: "[") {
            return bytes.count > 2 && bytes.last == UInt8(ascii: "]")
                && bytes.dropFirst().dropLast().allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") }
        }
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: false
        }
    }

    /// The RFC 5322 date of `date` in UTC: `Tue, 15 Nov 1994 08:12:31 +0000`.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = days[((parts.weekday ?? 1) - 1) % 7]
        let month = months[((parts.month ?? 1) - 1) % 12]
        func two(_ value: Int?) -> String { String(value ?? 0).leftPadded(to: 2) }
        return "\(weekday), \(two(parts.day)) \(month) \(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// A MIME boundary that quoted-printable text cannot contain: it starts with `=_`, and in
    /// quoted-printable `=` is only ever followed by two hexadecimal digits or a line end. A `7bit` body
    /// that holds it is sent quoted-printable instead.
    static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return "=_gatehouse_" + String((0..<24).map { _ in digits[Int(generator.next() % 16)] })
    }

    /// `content` made transparent for `DATA` (RFC 5321 §4.5.2): every line that starts with `.` gets
    /// another `.` before it, bare CR and LF become CRLF, the content ends with CRLF, and the final
    /// `.` CRLF follows.
    static func dotStuffed(_ content: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(content.count + content.count / 64 + 5)
        var atLineStart = true
        var index = 0
        while index < content.count {
            let byte = content[index]
            if byte == 0x0D || byte == 0x0A {
                output.append(contentsOf: [0x0D, 0x0A])
                if byte == 0x0D, index + 1 < content.count, content[index + 1] == 0x0A { index += 1 }
                atLineStart = true
            } else {
                if atLineStart, byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
                output.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { output.append(contentsOf: [0x0D, 0x0A]) }
        output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
        return output
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
