import Gatehouse
import HTTPTypes
import Hummingbird

/// The token a request presents, and where it came from: the `Authorization` header wins over the
/// cookie, because it is what the client chose explicitly.
@_spi(Fuzzing) public struct PresentedToken: Equatable {
    @_spi(Fuzzing) public typealias Source = GatehouseRequestState.Credential

    @_spi(Fuzzing) public var token: String
    @_spi(Fuzzing) public var source: Source

    /// The longest token looked at; the codec rejects anything longer anyway.
    @_spi(Fuzzing) public static let maximumLength = 4096

    /// Finds the token of `request`; `nil` when it presents none. A malformed `Bearer` header throws
    /// `TokenVerificationFailed` rather than falling back to the cookie or to no token: the client
    /// meant to authenticate and must learn that it did not. An `Authorization` header with another
    /// scheme is not Gatehouse's and is ignored.
    static func find(in request: Request, cookieName: String?) throws(AccountError) -> PresentedToken? {
        try find(in: request.headers, cookieName: cookieName)
    }

    /// ``find(in:cookieName:)`` on the headers alone.
    @_spi(Fuzzing) public static func find(in headers: HTTPFields, cookieName: String?) throws(AccountError) -> PresentedToken? {
        // One pass over the fields, without collecting the values into an array first.
        var authorization: String?
        for field in headers where field.name == .authorization {
            guard authorization == nil else {
                throw AccountError.tokenVerificationFailed(.authorizationHeader)
            }
            authorization = field.value
        }
        if let authorization, let token = try bearerToken(authorization) {
            return PresentedToken(token: token, source: .bearer)
        }
        if let cookieName, let token = cookieValue(named: cookieName, in: headers), !token.isEmpty {
            guard token.utf8.count <= maximumLength, token.utf8.allSatisfy(isToken68) else {
                throw AccountError.tokenVerificationFailed(.sessionCookie)
            }
            return PresentedToken(token: token, source: .cookie)
        }
        return nil
    }

    /// The token of a `Bearer` credential, `nil` for another scheme.
    private static func bearerToken(_ value: String) throws(AccountError) -> String? {
        // Every request carries this header: the common all-ASCII case is read byte by byte, anything
        // else by the character-based reading below, which the byte reading matches on ASCII.
        var contiguous = value
        switch contiguous.withUTF8(asciiBearerToken) {
        case .read(let token): return token
        case .malformed: throw AccountError.tokenVerificationFailed(.authorizationHeader)
        case .notASCII: break
        }
        let trimmed = value.trimmingSpaces()
        let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        guard let scheme = parts.first, scheme.lowercased() == "bearer" else { return nil }
        guard parts.count == 2, let token = parts.last, token.utf8.count <= maximumLength, token.utf8.allSatisfy(isToken68) else {
            throw AccountError.tokenVerificationFailed(.authorizationHeader)
        }
        return String(token)
    }

    /// What ``asciiBearerToken(_:)`` made of a value.
    private enum ASCIIReading {
        /// The value is ASCII: the token of its `Bearer` credential, `nil` for another scheme.
        case read(String?)
        /// A `Bearer` credential that is not exactly one token68 token of acceptable length.
        case malformed
        /// The value is not all ASCII; the character-based reading decides.
        case notASCII
    }

    /// ``bearerToken(_:)`` for an ASCII value, over its bytes in place: the same trimming, the same split
    /// on spaces, the same checks, without building characters and substrings.
    private static func asciiBearerToken(_ bytes: UnsafeBufferPointer<UInt8>) -> ASCIIReading {
        guard isASCII(bytes) else { return .notASCII }
        var first = 0
        var end = bytes.count
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while first < end, isSpace(bytes[first]) { first += 1 }
        while end > first, isSpace(bytes[end - 1]) { end -= 1 }
        guard first < end else { return .read(nil) }
        // Parts are separated by runs of spaces (not tabs), as `split(separator: " ")` does.
        var schemeEnd = first
        while schemeEnd < end, bytes[schemeEnd] != UInt8(ascii: " ") { schemeEnd += 1 }
        guard schemeEnd - first == 6 else { return .read(nil) }
        for (offset, expected) in "bearer".utf8.enumerated() {
            let byte = bytes[first + offset]
            let lowered = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
            guard lowered == expected else { return .read(nil) }
        }
        var tokenStart = schemeEnd
        while tokenStart < end, bytes[tokenStart] == UInt8(ascii: " ") { tokenStart += 1 }
        var tokenEnd = tokenStart
        // A space is not a token68 byte, so this also stops at a third part.
        while tokenEnd < end, isToken68(bytes[tokenEnd]) { tokenEnd += 1 }
        // One token exactly, of token68 bytes only: it ends the trimmed value (no third part, no byte
        // outside the alphabet) and is not empty.
        guard tokenEnd == end, tokenEnd > tokenStart, tokenEnd - tokenStart <= maximumLength else { return .malformed }
        return .read(String(decoding: UnsafeBufferPointer(rebasing: bytes[tokenStart..<tokenEnd]), as: UTF8.self))
    }

    /// The first cookie called `name` in the request's `Cookie` headers.
    package static func cookieValue(named name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let pair = Substring(pair).trimmingSpaces()
                guard let equals = pair.firstIndex(of: "="), pair[..<equals] == name else { continue }
                var value = pair[pair.index(after: equals)...]
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                return String(value)
            }
        }
        return nil
    }

    /// Whether every byte is below 0x80. No early exit, so that the compiler can check many bytes at once:
    /// the header is short and almost always ASCII.
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var union: UInt8 = 0
        for byte in bytes { union |= byte }
        return union < 0x80
    }

    /// RFC 7235's token68 alphabet (letters, digits, `-._~+/=`); a JWT uses a subset of it.
    ///
    /// A lookup in two 64-bit masks, one per half of ASCII: the test runs once per byte of every
    /// presented token, and as a chain of range comparisons it cost nearly as much as the token's
    /// verification in profiles of `GET /v1/me`.
    package static func isToken68(_ byte: UInt8) -> Bool {
        // Bits 0x2B `+`, 0x2D `-`, 0x2E `.`, 0x2F `/`, 0x30–0x39 digits, 0x3D `=`.
        let lowerHalf: UInt64 = 0x23FF_E800_0000_0000
        // Bits 0x41–0x5A `A`–`Z`, 0x5F `_`, 0x61–0x7A `a`–`z`, 0x7E `~`; as bit offsets from 0x40.
        let upperHalf: UInt64 = 0x47FF_FFFE_87FF_FFFE
        switch byte {
        case 0..<64: return lowerHalf >> UInt64(byte) & 1 == 1
        case 64..<128: return upperHalf >> UInt64(byte - 64) & 1 == 1
        default: return false
        }
    }
}
