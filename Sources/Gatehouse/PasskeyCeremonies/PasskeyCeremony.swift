/// The checks both passkey ceremonies share (WebAuthn §7.1 and §7.2), each failing with the
/// ``AccountError`` a client can act on: a malformed credential is ``AccountError/Code/invalidRequest``
/// (``AccountError/Detail/passkeyCredential``); a well-formed one that does not check out is
/// ``AccountError/Code/passkeyFailed`` with the check that refused it.
enum PasskeyCeremony {
    /// The largest signature accepted: an ES256 DER signature is at most 72 bytes, EdDSA 64.
    static let maximumSignatureByteCount = 256
    /// The largest encoded piece of a credential read (an attestation object with a large key and
    /// extensions stays far below).
    static let maximumEncodedByteCount = 65_536

    /// The credential id of a credential whose `type` is `public-key` and whose `id` and `rawId` agree.
    static func credentialID(id: String, rawID: String, type: String) throws(AccountError) -> [UInt8] {
        guard type == "public-key", id == rawID, let bytes = decode(rawID),
            (1...AttestedCredentialData.maximumCredentialIDLength).contains(bytes.count)
        else { throw AccountError.invalidRequest(.passkeyCredential) }
        return bytes
    }

    /// Base64url without padding, bounded, or ``AccountError/Code/invalidRequest``.
    static func bytes(_ encoded: String, limit: Int = maximumEncodedByteCount) throws(AccountError) -> [UInt8] {
        guard encoded.utf8.count <= limit * 4 / 3 + 4, let bytes = decode(encoded), bytes.count <= limit else {
            throw AccountError.invalidRequest(.passkeyCredential)
        }
        return bytes
    }

    /// The client data, collected for `ceremony`.
    static func clientData(_ encoded: String, for ceremony: CollectedClientData.CeremonyType) throws(AccountError) -> CollectedClientData {
        let data: CollectedClientData
        do {
            data = try CollectedClientData(bytes: try bytes(encoded, limit: CollectedClientData.maximumByteCount))
        } catch {
            throw AccountError.invalidRequest(.passkeyCredential)
        }
        guard data.type == ceremony else { throw AccountError.invalidRequest(.passkeyCredential) }
        return data
    }

    /// Authenticator data, parsed.
    static func authenticatorData(_ encoded: String) throws(AccountError) -> AuthenticatorData {
        do {
            return try AuthenticatorData(bytes: try bytes(encoded))
        } catch {
            throw AccountError.invalidRequest(.passkeyCredential)
        }
    }

    /// The page's origin is one of the relying party's, top-level: a ceremony in a frame of another
    /// site is refused.
    static func checkOrigin(_ clientData: CollectedClientData, of relyingParty: RelyingParty) throws(AccountError) {
        guard relyingParty.origins.contains(clientData.origin), clientData.crossOrigin != true, clientData.topOrigin == nil else {
            throw AccountError.passkeyFailed(.passkeyOrigin)
        }
    }

    /// The authenticator data is for this relying party, with the user present and verified.
    static func check(_ data: AuthenticatorData, of relyingParty: RelyingParty) throws(AccountError) {
        guard data.rpIDHash == relyingParty.idHash else { throw AccountError.passkeyFailed(.passkeyRelyingParty) }
        guard data.userPresent else { throw AccountError.passkeyFailed(.userPresence) }
        guard data.userVerified else { throw AccountError.passkeyFailed(.userVerification) }
    }

    /// The descriptor options name a passkey by.
    static func descriptor(_ passkey: PasskeyRecord) -> PasskeyCredentialDescriptor {
        PasskeyCredentialDescriptor(id: Base64URL.encode(passkey.credentialID))
    }

    private static func decode(_ text: String) -> [UInt8]? {
        Base64URL.decode(Array(text.utf8))
    }
}
