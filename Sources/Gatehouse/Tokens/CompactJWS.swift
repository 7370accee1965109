/// The three base64url parts of a compact JWS (`header.payload.signature`), found without decoding
/// anything, and the checks both token kinds make on them the same way.
struct CompactJWS {
    let header: Range<Int>
    let payload: Range<Int>
    let signature: Range<Int>

    /// The length of the signed prefix, `header.payload`.
    var signedLength: Int { payload.upperBound }

    /// Headers longer than this (base64url characters) are refused unread.
    static let maximumHeaderLength = 512

    /// `nil` unless `bytes` has exactly two dots, three non-empty parts, at most `maximumLength` bytes
    /// and a header of at most ``maximumHeaderLength``.
    init?(_ bytes: UnsafeBufferPointer<UInt8>, maximumLength: Int) {
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return nil }
        var firstDot = -1
        var secondDot = -1
        for index in bytes.indices where bytes[index] == UInt8(ascii: ".") {
            if firstDot < 0 {
                firstDot = index
            } else if secondDot < 0 {
                secondDot = index
            } else {
                return nil
            }
        }
        guard secondDot >= 0 else { return nil }
        header = 0..<firstDot
        payload = (firstDot + 1)..<secondDot
        signature = (secondDot + 1)..<bytes.count
        guard !header.isEmpty, !payload.isEmpty, !signature.isEmpty, header.count <= Self.maximumHeaderLength else { return nil }
    }

    /// The header both token kinds write: `alg`, `typ` and `kid`, in that order, without spaces.
    static func header(algorithm: String, kid: String) -> [UInt8] {
        var header = Array(#"{"alg":"#.utf8)
        JSONStringLiteral.append(algorithm, to: &header)
        header.append(contentsOf: #","typ":"JWT","kid":"#.utf8)
        JSONStringLiteral.append(kid, to: &header)
        header.append(UInt8(ascii: "}"))
        return header
    }

    /// The key id of a header that holds only `alg` (exactly `algorithm`), `typ` (`JWT` when present)
    /// and a well-formed `kid`; `nil` for any other header, so that a token names exactly one way to
    /// check it.
    static func keyID(in encoded: UnsafeBufferPointer<UInt8>, algorithm: String) -> String? {
        withDecoded(encoded) { decoded -> String? in
            guard let decoded else { return nil }
            // Every token this project issues carries the header `header(algorithm:kid:)` writes; it is
            // recognised byte for byte, without a JSON reader. Any other spelling of the same members
            // takes the reader and gets the same answer.
            if let kid = writtenKeyID(in: decoded, algorithm: algorithm) { return kid }
            guard let header = FlatJSONObject(parsing: decoded) else { return nil }
            var alg: FlatJSONObject.Value?
            var type: FlatJSONObject.Value?
            var kid: FlatJSONObject.Value?
            for member in header.members {
                switch member.key {
                case "alg": alg = member.value
                case "typ": type = member.value
                case "kid": kid = member.value
                default: return nil
                }
            }
            guard alg == .string(algorithm) else { return nil }
            if let type, type != .string("JWT") { return nil }
            guard case .string(let name)? = kid, SigningKey.isValidKeyID(name) else { return nil }
            return name
        }
    }

    /// The key id of a header exactly as `header(algorithm:kid:)` writes it, or `nil`.
    private static func writtenKeyID(in header: UnsafeBufferPointer<UInt8>, algorithm: String) -> String? {
        var rest = header[...]
        func skip(_ expected: some Collection<UInt8>) -> Bool {
            guard rest.starts(with: expected) else { return false }
            rest = rest.dropFirst(expected.count)
            return true
        }
        guard skip(#"{"alg":""#.utf8), skip(algorithm.utf8), skip(#"","typ":"JWT","kid":""#.utf8),
            rest.suffix(2).elementsEqual(#""}"#.utf8)
        else { return nil }
        // A well-formed key id has no character JSON would escape, so its bytes are the name's.
        let name = String(decoding: rest.dropLast(2), as: UTF8.self)
        return SigningKey.isValidKeyID(name) ? name : nil
    }

    /// Decodes base64url `encoded` into a temporary buffer and reads it as a ``FlatJSONObject``;
    /// `body` gets `nil` when either step fails.
    static func withDecodedObject<Result>(_ encoded: UnsafeBufferPointer<UInt8>, _ body: (FlatJSONObject?) -> Result) -> Result {
        withDecoded(encoded) { decoded in body(decoded.flatMap { FlatJSONObject(parsing: $0) }) }
    }

    /// Decodes base64url `encoded` into a temporary buffer; `body` gets `nil` when it is not base64url.
    private static func withDecoded<Result>(_ encoded: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        guard let capacity = Base64URL.decodedCount(encoded.count) else { return body(nil) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, capacity)) { buffer in
            guard let length = Base64URL.decode(encoded, into: buffer) else { return body(nil) }
            return body(UnsafeBufferPointer(rebasing: buffer[0..<length]))
        }
    }

    /// Writes `value` as a JSON integer.
    static func appendDecimal(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { output.append(buffer[index]) }
        }
    }
}
