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
    /// `\`); returns `false` otherwise.
    private static func appendPlain(_ text: String, to output: inout [UInt8]) -> Bool {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { return false }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
        return true
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

        output.append(UInt8(ascii: "\""))
        appendDigits(year, width: 4, to: &output)
        output.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &output)
        output.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &output)
        output.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3_600, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &output)
        output.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &output)
        output.append(contentsOf: "Z\"".utf8)
    }

    /// `value` (not negative, below 10^width) in exactly `width` decimal digits.
    private static func appendDigits(_ value: Int64, width: Int, to output: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
