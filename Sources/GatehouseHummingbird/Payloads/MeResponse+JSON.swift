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
        guard Self.appendPlain(account.accountId, to: &output) else { return nil }
        output.append(contentsOf: #","createdAt":"#.utf8)
        Self.appendDate(account.createdAt, to: &output)
        output.append(contentsOf: #","email":"#.utf8)
        guard Self.appendPlain(account.email, to: &output) else { return nil }
        output.append(contentsOf: (account.emailVerified ? #","emailVerified":true"# : #","emailVerified":false"#).utf8)
        output.append(contentsOf: #","username":"#.utf8)
        guard Self.appendPlain(account.username, to: &output) else { return nil }
        output.append(contentsOf: #"},"session":{"createdAt":"#.utf8)
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

    /// The date as `JSONEncoder`'s `.iso8601` strategy writes it, with the same formatter.
    private static func appendDate(_ date: Date, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: date.ISO8601Format().utf8)
        output.append(UInt8(ascii: "\""))
    }
}
