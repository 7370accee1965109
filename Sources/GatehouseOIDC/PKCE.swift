import Crypto
@_spi(Fuzzing) import Gatehouse

/// Proof Key for Code Exchange (RFC 7636) with `S256`: the login keeps a random verifier and sends
/// only its hash, so an authorization code intercepted on its way back (a malicious app registered
/// for the same redirect, a leaked log) cannot be exchanged by anyone else.
public enum PKCE {
    /// The `code_challenge_method` Gatehouse sends; `plain` would give the verifier away.
    public static let method = "S256"

    /// A new `code_verifier`: 32 random bytes in base64url, 43 characters (RFC 7636 §4.1 asks for
    /// 43 to 128 and 256 bits of entropy).
    public static func makeVerifier(random: any RandomSource) -> String {
        Base64URL.encode(random.bytes(32))
    }

    /// The `code_challenge` for `verifier`: base64url of the SHA-256 of its ASCII bytes.
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
    }
}
