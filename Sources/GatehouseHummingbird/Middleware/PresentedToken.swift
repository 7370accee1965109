import Gatehouse
import HTTPTypes
import Hummingbird

/// The token a request presents, and where it came from: the `Authorization` header wins over the
/// cookie, because it is what the client chose explicitly.
struct PresentedToken: Equatable {
    enum Source: Equatable {
        case bearer
        case cookie
    }

    var token: String
    var source: Source

    /// The longest token looked at; the codec rejects anything longer anyway.
    static let maximumLength = 4096

    /// Finds the token of `request`; `nil` when it presents none. A malformed `Bearer` header throws
    /// `TokenVerificationFailed` rather than falling back to the cookie or to no token: the client
    /// meant to authenticate and must learn that it did not. An `Authorization` header with another
    /// scheme is not Gatehouse's and is ignored.
    static func find(in request: Request, cookieName: String?) throws(AccountError) -> PresentedToken? {
        let authorizations = request.headers[values: .authorization]
        if authorizations.count > 1 {
            throw AccountError(.tokenVerificationFailed, "Token verification failed: more than one Authorization header.")
        }
        if let authorization = authorizations.first, let token = try bearerToken(authorization) {
            return PresentedToken(token: token, source: .bearer)
        }
        if let cookieName, let token = cookieValue(named: cookieName, in: request.headers), !token.isEmpty {
            guard token.utf8.count <= maximumLength, token.utf8.allSatisfy(isToken68) else {
                throw AccountError(.tokenVerificationFailed, "Token verification failed: the session cookie is malformed.")
            }
            return PresentedToken(token: token, source: .cookie)
        }
        return nil
    }

    /// The token of a `Bearer` credential, `nil` for another scheme.
    private static func bearerToken(_ value: String) throws(AccountError) -> String? {
        let trimmed = value.trimmingSpaces()
        let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        guard let scheme = parts.first, scheme.lowercased() == "bearer" else { return nil }
        guard parts.count == 2, let token = parts.last, token.utf8.count <= maximumLength, token.utf8.allSatisfy(isToken68) else {
            throw AccountError(.tokenVerificationFailed, "Token verification failed: the Authorization header must be `Bearer <one token>`.")
        }
        return String(token)
    }

    /// The first cookie called `name` in the request's `Cookie` headers.
    static func cookieValue(named name: String, in headers: HTTPFields) -> String? {
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

    /// RFC 7235's token68 alphabet; a JWT uses a subset of it.
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
