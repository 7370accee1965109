/// The new credential that authenticator data carries at registration (WebAuthn §6.5.2): the
/// authenticator's model, the credential's id and its public key.
public struct AttestedCredentialData: Sendable, Equatable {
    /// The longest credential id WebAuthn allows.
    public static let maximumCredentialIDLength = 1023

    /// The authenticator model's AAGUID, 16 bytes; all zeros under attestation "none".
    public let aaguid: [UInt8]
    /// The credential id, 1 to ``maximumCredentialIDLength`` bytes.
    public let credentialID: [UInt8]
    /// The credential's public key.
    public let credentialPublicKey: COSEKey

    public init(aaguid: [UInt8], credentialID: [UInt8], credentialPublicKey: COSEKey) {
        self.aaguid = aaguid
        self.credentialID = credentialID
        self.credentialPublicKey = credentialPublicKey
    }
}
