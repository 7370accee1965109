/// The attestation object a registration returns (WebAuthn §6.5.4): a CBOR map of exactly `fmt`,
/// `attStmt` and `authData`, whose authenticator data must carry the new credential.
///
/// Any format is read; judging the statement (Gatehouse asks for attestation "none") is the
/// registration ceremony's job.
public struct AttestationObject: Sendable, Equatable {
    /// The attestation statement format, such as `none` or `packed`.
    public let format: String
    /// The attestation statement, in the format's own shape; empty under "none".
    public let attestationStatement: CBORMap
    /// The authenticator data, with ``AuthenticatorData/attestedCredentialData`` present.
    public let authenticatorData: AuthenticatorData

    /// Parses an attestation object.
    public init(bytes: some Collection<UInt8>) throws(PasskeyDataError) {
        let value: CBORValue
        do {
            value = try CBORReader.decode(bytes)
        } catch {
            throw .cbor(error)
        }
        guard case .map(let map) = value, map.count == 3,
            let format = map["fmt"]?.textValue,
            let statement = map["attStmt"]?.mapValue,
            let authData = map["authData"]?.bytesValue
        else { throw .malformedAttestationObject }
        let authenticatorData = try AuthenticatorData(bytes: authData)
        guard authenticatorData.attestedCredentialData != nil else { throw .missingAttestedCredentialData }
        self.format = format
        self.attestationStatement = statement
        self.authenticatorData = authenticatorData
    }
}
