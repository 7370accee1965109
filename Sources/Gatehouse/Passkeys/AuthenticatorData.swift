/// Authenticator data (WebAuthn §6.1), the bytes an authenticator signs over at every login and
/// returns at registration: the hash of the relying party id, flags, a signature counter, and as the
/// flags say, the new credential and extension outputs.
///
/// Parsing is strict: every byte must belong to a field the flags announce, so a truncated buffer,
/// an announced field that is missing, and bytes left over are all refused.
public struct AuthenticatorData: Sendable, Equatable {
    /// The bytes parsed, exactly: what a login signature covers.
    public let rawBytes: [UInt8]
    /// SHA-256 of the relying party id the credential is scoped to, 32 bytes.
    public let rpIDHash: [UInt8]
    /// The flags byte; the properties below read its bits.
    public let flags: UInt8
    /// The signature counter, or 0 for an authenticator that keeps none.
    public let signCount: UInt32
    /// The new credential, present exactly when ``hasAttestedCredentialData``.
    public let attestedCredentialData: AttestedCredentialData?
    /// The extension outputs, present exactly when ``hasExtensions``.
    public let extensions: CBORMap?

    /// UP, bit 0: a user was present.
    public var userPresent: Bool { flags & 0x01 != 0 }
    /// UV, bit 2: the user was verified (PIN, biometrics).
    public var userVerified: Bool { flags & 0x04 != 0 }
    /// BE, bit 3: the credential may be backed up (synced); fixed for its lifetime.
    public var backupEligible: Bool { flags & 0x08 != 0 }
    /// BS, bit 4: the credential is backed up now.
    public var backedUp: Bool { flags & 0x10 != 0 }
    /// AT, bit 6: attested credential data follows the counter.
    public var hasAttestedCredentialData: Bool { flags & 0x40 != 0 }
    /// ED, bit 7: extension outputs end the data.
    public var hasExtensions: Bool { flags & 0x80 != 0 }

    private static let headerLength = 37
    private static let aaguidLength = 16

    /// Parses authenticator data.
    public init(bytes: some Collection<UInt8>) throws(PasskeyDataError) {
        let bytes = Array(bytes)
        guard bytes.count >= Self.headerLength else { throw .truncatedAuthenticatorData }
        rawBytes = bytes
        rpIDHash = Array(bytes[0..<32])
        flags = bytes[32]
        signCount = UInt32(bytes[33]) << 24 | UInt32(bytes[34]) << 16 | UInt32(bytes[35]) << 8 | UInt32(bytes[36])
        // WebAuthn §6.1.3: a credential that is not backup eligible cannot be backed up.
        guard flags & 0x18 != 0x10 else { throw .inconsistentFlags }

        var index = Self.headerLength
        if flags & 0x40 != 0 {
            guard bytes.count - index >= Self.aaguidLength + 2 else { throw .truncatedAuthenticatorData }
            let aaguid = Array(bytes[index..<index + Self.aaguidLength])
            index += Self.aaguidLength
            let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            index += 2
            guard (1...AttestedCredentialData.maximumCredentialIDLength).contains(length) else { throw .invalidCredentialIDLength }
            guard bytes.count - index >= length else { throw .truncatedAuthenticatorData }
            let credentialID = Array(bytes[index..<index + length])
            index += length
            let (value, byteCount) = try Self.decodePrefix(bytes[index...])
            let key = try COSEKey(value, coseBytes: Array(bytes[index..<index + byteCount]))
            index += byteCount
            attestedCredentialData = AttestedCredentialData(aaguid: aaguid, credentialID: credentialID, credentialPublicKey: key)
        } else {
            attestedCredentialData = nil
        }
        if flags & 0x80 != 0 {
            let (value, byteCount) = try Self.decodePrefix(bytes[index...])
            guard case .map(let map) = value else { throw .invalidExtensions }
            index += byteCount
            extensions = map
        } else {
            extensions = nil
        }
        guard index == bytes.count else { throw .trailingBytes }
    }

    private static func decodePrefix(_ bytes: ArraySlice<UInt8>) throws(PasskeyDataError) -> (value: CBORValue, byteCount: Int) {
        // The field is announced by a flag, so its absence is truncation, not a CBOR problem.
        guard !bytes.isEmpty else { throw .truncatedAuthenticatorData }
        do {
            return try CBORReader.decodePrefix(bytes)
        } catch {
            throw .cbor(error)
        }
    }
}
