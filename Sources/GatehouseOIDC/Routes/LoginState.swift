import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse

/// What a browser login with a provider must remember between its start and the provider's callback —
/// the `state` and `nonce` it sent, the PKCE verifier, where to go afterwards and, when an account is
/// linking an identity rather than logging in, which account and session — kept by the browser in a
/// short-lived `HttpOnly` cookie, signed with a key derived from the server's session signing key.
///
/// The signature binds every field: a cookie for another provider, another state, or an expired one,
/// is refused. The key id it names lets a cookie made just before a key rotation still be checked.
struct LoginState: Codable, Equatable {
    var provider: String
    var state: String
    var nonce: String
    var verifier: String
    var returnTo: String
    var expiresAt: Int64
    /// The account and session linking an identity; `nil` for a login.
    var linkAccountID: String?
    var linkSessionID: String?

    static let cookieName = "gatehouse_oidc"

    /// The signed cookie value: `kid.payload.mac`, base64url.
    func sealed(with key: SigningKey) throws -> String {
        let payload = Base64URL.encode(Array(try JSONEncoder().encode(self)))
        return "\(key.kid).\(payload).\(Self.mac(kid: key.kid, payload: payload, key: key))"
    }

    /// The state in a cookie value, when its signature is right under a key of `keys` and it has not
    /// expired at `now`.
    static func unsealed(_ value: String, keys: KeyRing, now: Date) -> LoginState? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard value.utf8.count <= 4096, parts.count == 3, let key = keys.key(kid: String(parts[0])) else { return nil }
        let payload = String(parts[1])
        let expected = Array(mac(kid: key.kid, payload: payload, key: key).utf8)
        guard SecretDigest.constantTimeEquals(expected, Array(parts[2].utf8)),
            let bytes = Base64URL.decode(payload),
            let state = try? JSONDecoder().decode(LoginState.self, from: Data(bytes)),
            Double(state.expiresAt) > now.timeIntervalSince1970
        else { return nil }
        return state
    }

    private static func mac(kid: String, payload: String, key: SigningKey) -> String {
        let stateKey = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array("gatehouse.oidc-login-state".utf8), using: key.key)))
        return Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array("\(kid).\(payload)".utf8), using: stateKey)))
    }
}
