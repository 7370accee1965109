import Gatehouse
@_spi(Fuzzing) import GatehouseHummingbird
import HTTPTypes

/// Properties of the request-header parsing in front of the token codec: finding the token in
/// `Authorization` or the cookie, the CSRF origin check, and the client address.
enum HeaderProperties {
    static let cookieName = "gatehouse_session"
    static let everyAddress = [IPNetwork("0.0.0.0/0")!, IPNetwork("::/0")!]

    /// The input is up to four newline-separated header values: `Authorization`, `Cookie`, `Origin`
    /// and `X-Forwarded-For` (as bytes, so not necessarily UTF-8).
    static func headers(_ bytes: [UInt8]) {
        let values = bytes.split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false).map(Array.init)
        func value(_ index: Int) -> [UInt8]? { index < values.count ? values[index] : nil }

        var fields = HTTPFields()
        if let authorization = value(0), !authorization.isEmpty {
            fields.append(HTTPField(name: .authorization, lenientValue: authorization))
        }
        if let cookie = value(1) { fields.append(HTTPField(name: .cookie, lenientValue: cookie)) }
        presentedToken(fields)

        if let origin = value(2) { webOrigin(String(decoding: origin, as: UTF8.self)) }
        if let forwarded = value(3) {
            let name = HTTPField.Name("X-Forwarded-For")!
            var forwardedFields = HTTPFields()
            forwardedFields.append(HTTPField(name: name, lenientValue: forwarded))
            // Every hop trusted: the walk reads the whole header.
            let address = ClientAddress.resolve(headers: forwardedFields, peer: "127.0.0.1", trustedProxies: everyAddress)
            precondition(
                address.utf8.count <= 45 && address.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" },
                "a forwarded address that is not an address was taken"
            )
            if let network = IPNetwork(String(decoding: forwarded, as: UTF8.self)) {
                precondition((0...128).contains(network.prefixLength), "a network with an impossible prefix length")
            }
        }
    }

    /// A token is only ever taken from a well-formed source, bounded and in the token68 alphabet; a
    /// malformed source is an error, never a fallback to the other one.
    private static func presentedToken(_ fields: HTTPFields) {
        let found: PresentedToken?
        do {
            found = try PresentedToken.find(in: fields, cookieName: cookieName)
        } catch {
            precondition(error.code == .tokenVerificationFailed, "a header failure with another code")
            return
        }
        guard let found else { return }
        precondition(!found.token.isEmpty && found.token.utf8.count <= PresentedToken.maximumLength, "an empty or oversized token was taken")
        precondition(found.token.utf8.allSatisfy(isToken68), "a token with bytes outside token68 was taken")
        if found.source == .cookie {
            let authorization = fields[.authorization].map { $0.split(separator: " ").first?.lowercased() }
            precondition(authorization == nil || authorization! != "bearer", "the cookie was used although a Bearer header was present")
        }
        _ = try? TokenProperties.codec.parse(found.token)
    }

    /// An origin that parses serialises to itself and matches its own host and port.
    private static func webOrigin(_ text: String) {
        guard let origin = WebOrigin(text) else { return }
        let serialized = origin.serialized
        precondition(WebOrigin(serialized) == origin, "an origin does not survive serialisation")
        let authority = String(serialized.drop { $0 != ":" }.dropFirst(3))
        precondition(origin.matches(authority: authority), "an origin does not match its own authority")
    }

    private static func isToken68(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }
}
