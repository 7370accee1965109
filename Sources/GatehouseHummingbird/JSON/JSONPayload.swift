import Foundation
import Gatehouse
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading request bodies and writing response bodies as JSON, with one date format (ISO-8601) and one
/// size limit for the whole API.
@_spi(Fuzzing) public enum JSONPayload {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// A JSON response with `status`.
    package static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        response(body: try encode(value), status: status, headers: headers)
    }

    /// The `GET /v1/me` response, written without `JSONEncoder` when nothing in it needs escaping.
    static func response(_ value: MeResponse, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        response(body: try value.plainJSON() ?? encode(value), status: status, headers: headers)
    }

    /// The `Content-Type` of every JSON body, made once: setting it by name checks the value's
    /// characters on every response.
    private static let contentType = HTTPField(name: .contentType, value: "application/json; charset=utf-8")

    private static func response(body: [UInt8], status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = nil
        headers.append(contentType)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Reads and decodes the request body. A body that is not declared `application/json` is
    /// `415 UnsupportedMediaType` (a cross-site form can only send `text/plain`, form or multipart bodies);
    /// a body over `limit` bytes is `413`; an empty, non-UTF-8, malformed or wrongly typed body is
    /// `400 InvalidRequest`.
    package static func decode<Value: Decodable>(_ type: Value.Type, from request: Request, limit: Int) async throws -> Value {
        guard isJSON(request.headers[.contentType]) else { throw AccountError.unsupportedMediaType }
        let buffer = try await body(of: request, limit: limit)
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    /// ``decode(_:from:limit:)`` for a body that may be left out: an empty body, whatever its declared
    /// type, is `nil`.
    package static func decodeIfPresent<Value: Decodable>(_ type: Value.Type, from request: Request, limit: Int) async throws -> Value? {
        let buffer = try await body(of: request, limit: limit)
        guard buffer.readableBytes > 0 else { return nil }
        guard isJSON(request.headers[.contentType]) else { throw AccountError.unsupportedMediaType }
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    /// The whole request body, or `413` when it is over `limit` bytes (declared or sent).
    private static func body(of request: Request, limit: Int) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw GatehouseHTTPError.payloadTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatehouseHTTPError.payloadTooLarge(limit: limit)
        }
    }

    /// Whether a `Content-Type` value is `application/json`, with or without parameters such as
    /// `charset=utf-8`, in any letter case.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces().lowercased() } ?? ""
        return mediaType == "application/json"
    }

    /// Decodes a complete body already read: an empty, non-UTF-8, malformed or wrongly typed body is
    /// `InvalidRequest`.
    @_spi(Fuzzing) public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: Data) throws(AccountError) -> Value {
        guard !bytes.isEmpty else {
            throw AccountError.invalidRequest(.missingBody)
        }
        // JSONDecoder accepts UTF-16 and UTF-32 too; the API only speaks UTF-8. Without a byte-order
        // mark, UTF-16 or UTF-32 text of ASCII characters is also valid UTF-8 (its zero bytes are NUL
        // characters) and JSONDecoder recognises it by those zero bytes; JSON text never holds a raw
        // NUL, so a zero byte settles it.
        guard !bytes.contains(0), String(data: bytes, encoding: .utf8) != nil else {
            throw AccountError.invalidRequest(.bodyEncoding)
        }
        do {
            return try JSONDecoder().decode(Value.self, from: bytes)
        } catch {
            throw AccountError.invalidRequest(.body)
        }
    }
}
