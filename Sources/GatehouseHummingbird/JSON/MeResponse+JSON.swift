import Foundation

extension MeResponse {
    /// The body of `GET /v1/me` written directly, byte for byte what ``JSONPayload/encode(_:)`` makes
    /// of it (sorted keys, ISO-8601 dates, unescaped slashes); `nil` when a string needs escaping, which
    /// is left to `JSONEncoder`. Every authenticated page load asks for this body, and the general
    /// encoder costs more than the rest of the route.
    func plainJSON() -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        output.append(contentsOf: #"{"account":{"accountId":"#.utf8)
        guard Self.appendPlain(account.accountID, to: &output) else { return nil }
        output.append(contentsOf: #","createdAt":"#.utf8)
        Self.appendDate(account.createdAt, to: &output)
        output.append(contentsOf: #","email":"#.utf8)
        guard Self.appendPlain(account.email, to: &output) else { return nil }
        output.append(contentsOf: (account.emailVerified ? #","emailVerified":true"# : #","emailVerified":false"#).utf8)
        output.append(contentsOf: #","username":"#.utf8)
        guard Self.appendPlain(account.username, to: &output) else { return nil }
        output.append(contentsOf: #"},"session":{"authenticatedAt":"#.utf8)
        Self.appendDate(session.authenticatedAt, to: &output)
        output.append(contentsOf: #","authenticationMethods":["#.utf8)
        for (index, method) in session.authenticationMethods.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            guard Self.appendPlain(method, to: &output) else { return nil }
        }
        output.append(contentsOf: #"],"createdAt":"#.utf8)
        Self.appendDate(session.createdAt, to: &output)
        if let current = session.current {
            output.append(contentsOf: (current ? #","current":true"# : #","current":false"#).utf8)
        }
        output.append(contentsOf: #","expiresAt":"#.utf8)
        Self.appendDate(session.expiresAt, to: &output)
        output.append(contentsOf: #","id":"#.utf8)
        guard Self.appendPlain(session.id, to: &output) else { return nil }
        output.append(contentsOf: #","ip":"#.utf8)
        guard Self.appendPlain(session.ip, to: &output) else { return nil }
        output.append(contentsOf: #","lastUsedAt":"#.utf8)
        Self.appendDate(session.lastUsedAt, to: &output)
        output.append(contentsOf: #","userAgent":"#.utf8)
        guard Self.appendPlain(session.userAgent, to: &output) else { return nil }
        output.append(contentsOf: "}}".utf8)
        return output
    }

    /// Appends `"text"` when no character of it needs escaping (printable ASCII other than `"` and
    /// `\`); returns `false` otherwise. Read over the string's own bytes and copied whole: a byte at a
    /// time cost more than the rest of the body.
    private static func appendPlain(_ text: String, to output: inout [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: bytes)
            output.append(UInt8(ascii: "\""))
            return true
        }
    }

    /// The date as `JSONEncoder`'s `.iso8601` strategy writes it (`2026-11-29T10:40:00Z`: UTC, whole
    /// seconds rounded down), computed directly: the formatter costs more than the rest of the body.
    /// Years outside 1970–9999 go through the formatter itself.
    private static func appendDate(_ date: Date, to output: inout [UInt8]) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= 0, seconds < 253_402_300_800, let whole = Int64(exactly: seconds) else {
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: date.ISO8601Format().utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        // Days since 1970-01-01 to a civil date in the proleptic Gregorian calendar, counting in
        // 400-year eras that start on 0000-03-01 (so that the leap day ends a year).
        let dayOfEpoch = whole / 86_400 + 719_468
        let era = dayOfEpoch / 146_097
        let dayOfEra = dayOfEpoch - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let secondOfDay = whole % 86_400

        // `"YYYY-MM-DDThh:mm:ssZ"`, written in place and appended at once.
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &text) { bytes in
            var position = 0
            func put(_ byte: UInt8) {
                bytes[position] = byte
                position += 1
            }
            func digits(_ value: Int64, _ width: Int) {
                var rest = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    bytes[position + offset] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
                position += width
            }
            put(UInt8(ascii: "\""))
            digits(year, 4)
            put(UInt8(ascii: "-"))
            digits(month, 2)
            put(UInt8(ascii: "-"))
            digits(day, 2)
            put(UInt8(ascii: "T"))
            digits(secondOfDay / 3_600, 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay / 60 % 60, 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay % 60, 2)
            put(UInt8(ascii: "Z"))
            put(UInt8(ascii: "\""))
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<position]))
        }
    }
}
