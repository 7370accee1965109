/// The COSE algorithms (RFC 9053) Gatehouse accepts for passkeys, with their registered identifiers:
/// what a registration lists in `pubKeyCredParams`, in order of preference.
public enum COSEAlgorithm: Int64, Sendable, Hashable, CaseIterable {
    /// ECDSA with P-256 and SHA-256.
    case es256 = -7
    /// EdDSA; with an OKP key on Ed25519 the only curve accepted.
    case edDSA = -8
}
