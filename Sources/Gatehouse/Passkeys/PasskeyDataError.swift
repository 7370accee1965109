/// Why a piece of WebAuthn data — a COSE key, authenticator data, an attestation object or client
/// data — was refused. The ceremonies turn these into an ``AccountError``; the cases are for tests,
/// logs and metrics, and none carries input bytes.
public enum PasskeyDataError: Error, Sendable, Equatable {
    /// CBOR inside the data was malformed or outside the accepted subset.
    case cbor(CBORError)
    /// Authenticator data ends before a field its flags announce.
    case truncatedAuthenticatorData
    /// Bytes follow the last field of authenticator data.
    case trailingBytes
    /// The flags claim a backed-up credential (BS) that is not backup eligible (BE).
    case inconsistentFlags
    /// A credential id of length 0 or longer than ``AttestedCredentialData/maximumCredentialIDLength``.
    case invalidCredentialIDLength
    /// Extensions that are not a CBOR map.
    case invalidExtensions
    /// An attestation object whose authenticator data has no attested credential data.
    case missingAttestedCredentialData
    /// A COSE key whose key type (`kty`) is not EC2 or OKP.
    case unsupportedKeyType
    /// A COSE key whose algorithm is not ES256 with EC2 or EdDSA with OKP.
    case unsupportedAlgorithm
    /// A COSE key whose curve is not P-256 with EC2 or Ed25519 with OKP.
    case unsupportedCurve
    /// A COSE key that is not a map of integer labels, lacks a parameter, has one of the wrong type or
    /// length, or has one its key type does not use.
    case malformedKey
    /// An EC2 key whose point is not on P-256.
    case invalidPublicKey
    /// An attestation object that is not a map of exactly `fmt` (text), `attStmt` (map) and
    /// `authData` (bytes).
    case malformedAttestationObject
    /// Client data that is not a JSON object with the members and types WebAuthn defines, or is too
    /// large.
    case malformedClientData
    /// Client data whose `type` is neither `webauthn.create` nor `webauthn.get`.
    case unsupportedClientDataType
    /// Client data whose `challenge` is not unpadded base64url.
    case invalidChallengeEncoding
}
