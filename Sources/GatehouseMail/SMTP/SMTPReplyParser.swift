import NIOCore

/// Reads replies from the bytes a server sends, however they are split into reads.
///
/// Lines end with CRLF; a bare LF is accepted too. A line longer than ``maximumLineLength`` or a reply
/// of more than ``maximumLines`` lines is an error, so a misbehaving server cannot make the client
/// buffer without bound.
struct SMTPReplyParser {
    /// RFC 5321 allows 512 octets a reply line; some servers send longer ones.
    static let maximumLineLength = 4_096
    static let maximumLines = 256

    private var buffer = ByteBuffer()
    private var lines: [SMTPReply.Line] = []

    init() {}

    /// Whether bytes were received that do not form a whole reply yet.
    var hasBufferedInput: Bool { buffer.readableBytes > 0 || !lines.isEmpty }

    /// Adds received bytes.
    mutating func append(_ bytes: inout ByteBuffer) {
        buffer.writeBuffer(&bytes)
    }

    /// Adds received bytes.
    mutating func append(_ bytes: [UInt8]) {
        buffer.writeBytes(bytes)
    }

    /// The next complete reply, or `nil` until more bytes arrive.
    mutating func nextReply() throws(SMTPReply.ParseError) -> SMTPReply? {
        while true {
            let view = buffer.readableBytesView
            guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
                guard buffer.readableBytes <= Self.maximumLineLength else { throw .lineTooLong }
                if buffer.readableBytes == 0 { buffer.clear() }
                return nil
            }
            let lineLength = newline - view.startIndex
            guard lineLength <= Self.maximumLineLength else { throw .lineTooLong }
            var bytes = buffer.readBytes(length: lineLength + 1) ?? []
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            let line = try SMTPReply.Line(parsing: bytes)
            if let first = lines.first, first.code != line.code { throw .inconsistentCodes }
            lines.append(line)
            guard lines.count <= Self.maximumLines else { throw .tooManyLines }
            if line.isLast {
                let reply = SMTPReply(code: line.code, lines: lines.map(\.text))
                lines.removeAll()
                if buffer.readableBytes == 0 { buffer.clear() }
                return reply
            }
        }
    }
}
