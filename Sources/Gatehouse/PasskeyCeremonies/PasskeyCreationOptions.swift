/// The options of a passkey registration, in the JSON form of WebAuthn Level 3
/// (`PublicKeyCredentialCreationOptionsJSON`) that a page passes to
/// `PublicKeyCredential.parseCreationOptionsFromJSON()` before `navigator.credentials.create()`.
///
/// Gatehouse asks for a discoverable credential with user verification, ES256 or EdDSA, and no
/// attestation; binary members are base64url without padding.
public struct PasskeyCreationOptions: Sendable, Equatable, Encodable {
    public struct RelyingPartyEntity: Sendable, Equatable, Encodable {
        public var id: String
        public var name: String
    }

    public struct UserEntity: Sendable, Equatable, Encodable {
        /// The user handle: the account id's bytes, which hold nothing personal.
        public var id: String
        public var name: String
        public var displayName: String
    }

    public struct CredentialParameters: Sendable, Equatable, Encodable {
        public var type = "public-key"
        public var alg: Int64
    }

    public struct AuthenticatorSelection: Sendable, Equatable, Encodable {
        public var residentKey = "required"
        public var requireResidentKey = true
        public var userVerification = "required"
    }

    public var rp: RelyingPartyEntity
    public var user: UserEntity
    /// The single-use challenge, base64url.
    public var challenge: String
    public var pubKeyCredParams: [CredentialParameters]
    /// Milliseconds.
    public var timeout: Int
    /// The account's passkeys, so an authenticator holding one already says so instead of making another.
    public var excludeCredentials: [PasskeyCredentialDescriptor]
    public var authenticatorSelection = AuthenticatorSelection()
    public var attestation = "none"
}

/// A credential named in options (`PublicKeyCredentialDescriptorJSON`).
public struct PasskeyCredentialDescriptor: Sendable, Equatable, Encodable {
    public var type = "public-key"
    /// The credential id, base64url.
    public var id: String
}
