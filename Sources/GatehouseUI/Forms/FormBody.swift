import Foundation
import Gatehouse
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body, as an HTML form posts them.
struct FormBody: Sendable {
    private let fields: [String: String]

    init(fields: [String: String]) {
        self.fields = fields
    }

    /// The value of `name`; `""` when the form did not send it.
    subscript(_ name: String) -> String { fields[name] ?? "" }

    /// Whether the form sent `name` at all.
    func contains(_ name: String) -> Bool { fields[name] != nil }

    /// Reads the body of `request`: at most `limit` bytes of URL-encoded UTF-8. A field sent twice keeps
    /// its first value, so a second one appended by a proxy or a script cannot replace it.
    static func read(from request: Request, limit: Int) async throws(AccountError) -> FormBody {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else { throw AccountError.invalidRequest(.body) }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw AccountError.invalidRequest(.body)
        }
        guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes), text.utf8.count == buffer.readableBytes
        else { throw AccountError.invalidRequest(.bodyEncoding) }
        guard let fields = parse(text) else { throw AccountError.invalidRequest(.body) }
        return FormBody(fields: fields)
    }

    /// The fields of `text`, or `nil` when a percent escape is broken or decodes to something other than
    /// UTF-8.
    static func parse(_ text: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
