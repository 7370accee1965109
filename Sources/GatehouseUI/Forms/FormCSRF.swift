import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse
import HTTPTypes

/// The CSRF token every form carries, in a hidden `csrf_token` field.
///
/// The browser holds a random secret in its own cookie (`HttpOnly`, `SameSite=Strict`, and `__Host-`
/// when `Secure`, so that a sibling subdomain cannot plant a secret it knows). A form's token is an HMAC of the session it was shown to, keyed by that secret: another site
/// can neither read the cookie nor compute the token, and a token shown before a login (or to another
/// session) is refused after it. Pages a person sees before logging in bind to "no session"; the
/// cookie, which the pages set whenever it is missing, plays the part of the pre-session secret.
struct FormCSRF: Sendable {
    static let fieldName = "csrf_token"

    /// Whether the cookie is `Secure` (follows the session cookie's setting).
    let secure: Bool

    /// `__Host-gatehouse_ui_csrf` when `Secure` (the prefix needs it), `gatehouse_ui_csrf` otherwise.
    var cookieName: String { secure ? "__Host-gatehouse_ui_csrf" : "gatehouse_ui_csrf" }

    /// The secret in the request's cookie, when it has a well-formed one.
    func secret(in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix(cookieName + "=") else { continue }
                let value = String(trimmed.dropFirst(cookieName.count + 1))
                if value.utf8.count == 43, value.utf8.allSatisfy(Self.isBase64URL) { return value }
            }
        }
        return nil
    }

    /// A new secret: 32 random bytes, base64url.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64URL.encode(bytes)
    }

    /// The `Set-Cookie` value that gives the browser `secret`.
    func setting(_ secret: String) -> String {
        "\(cookieName)=\(secret); Path=/; HttpOnly\(secure ? "; Secure" : ""); SameSite=Strict"
    }

    /// The token for forms shown to `sessionID` (`nil`: no session) by a browser holding `secret`.
    static func token(secret: String, sessionID: String?) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("gatehouse-ui-form|\(sessionID ?? "")".utf8), using: key)
        return Base64URL.encode(Array(mac))
    }

    /// Whether `presented` is the token for `sessionID` and `secret`, compared in constant time.
    static func isValid(_ presented: String, secret: String?, sessionID: String?) -> Bool {
        guard let secret, !presented.isEmpty else { return false }
        let expected = Array(token(secret: secret, sessionID: sessionID).utf8)
        let given = Array(presented.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
