/// The options of a passkey login, in the JSON form of WebAuthn Level 3
/// (`PublicKeyCredentialRequestOptionsJSON`) that a page passes to
/// `PublicKeyCredential.parseRequestOptionsFromJSON()` before `navigator.credentials.get()`.
///
/// With no ``allowCredentials`` the authenticator offers its discoverable passkeys for the relying
/// party; with them, only those.
public struct PasskeyRequestOptions: Sendable, Equatable, Encodable {
    /// The single-use challenge, base64url.
    public var challenge: String
    /// Milliseconds.
    public var timeout: Int
    public var rpId: String
    public var allowCredentials: [PasskeyCredentialDescriptor]
    public var userVerification = "required"
}
