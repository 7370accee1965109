import Crypto

/// A credential public key in COSE_Key form (RFC 9052 §7), as authenticator data carries it: an EC2
/// key on P-256 for ES256, or an OKP key on Ed25519 for EdDSA. Nothing else is accepted.
///
/// The key keeps ``coseBytes``, the exact bytes it was read from, for a store to save and hand back to
/// ``init(coseBytes:)``. Two keys are equal when those bytes are.
public struct COSEKey: Sendable, Equatable {
    /// The algorithm the key signs with.
    public let algorithm: COSEAlgorithm
    /// The canonical CBOR encoding of the key, byte for byte what it was parsed from.
    public let coseBytes: [UInt8]
    private let key: Key

    private enum Key: Sendable {
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    // COSE labels (RFC 9052 §7.1, RFC 9053 §7).
    private static let ktyLabel: Int64 = 1
    private static let algLabel: Int64 = 3
    private static let crvLabel: Int64 = -1
    private static let xLabel: Int64 = -2
    private static let yLabel: Int64 = -3
    private static let ec2KeyType: Int64 = 2
    private static let okpKeyType: Int64 = 1
    private static let p256Curve: Int64 = 1
    private static let ed25519Curve: Int64 = 6

    /// Reads a key from its CBOR encoding, which must be exactly one canonical COSE_Key map.
    public init(coseBytes: some Collection<UInt8>) throws(PasskeyDataError) {
        let bytes = Array(coseBytes)
        let value: CBORValue
        do {
            value = try CBORReader.decode(bytes)
        } catch {
            throw .cbor(error)
        }
        try self.init(value, coseBytes: bytes)
    }

    /// Reads a key from a decoded CBOR value; ``coseBytes`` is its canonical encoding.
    public init(_ value: CBORValue) throws(PasskeyDataError) {
        try self.init(value, coseBytes: CBORWriter.encode(value))
    }

    /// `coseBytes` must be the encoding of `value`.
    init(_ value: CBORValue, coseBytes: [UInt8]) throws(PasskeyDataError) {
        guard case .map(let map) = value, let keyType = map[Self.ktyLabel]?.integerValue else { throw .malformedKey }
        guard keyType == Self.ec2KeyType || keyType == Self.okpKeyType else { throw .unsupportedKeyType }
        guard let algorithm = map[Self.algLabel]?.integerValue else { throw .malformedKey }
        guard let curve = map[Self.crvLabel]?.integerValue else { throw .malformedKey }
        switch keyType {
        case Self.ec2KeyType:
            guard algorithm == COSEAlgorithm.es256.rawValue else { throw .unsupportedAlgorithm }
            guard curve == Self.p256Curve else { throw .unsupportedCurve }
            try Self.requireOnlyLabels([Self.ktyLabel, Self.algLabel, Self.crvLabel, Self.xLabel, Self.yLabel], in: map)
            // Compressed points (a boolean y) are not used by WebAuthn authenticators.
            guard let x = map[Self.xLabel]?.bytesValue, x.count == 32, let y = map[Self.yLabel]?.bytesValue, y.count == 32 else {
                throw .malformedKey
            }
            // The initializer refuses a point that is not on the curve.
            guard let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y) else { throw .invalidPublicKey }
            self.key = .p256(key)
            self.algorithm = .es256
        case Self.okpKeyType:
            guard algorithm == COSEAlgorithm.edDSA.rawValue else { throw .unsupportedAlgorithm }
            guard curve == Self.ed25519Curve else { throw .unsupportedCurve }
            try Self.requireOnlyLabels([Self.ktyLabel, Self.algLabel, Self.crvLabel, Self.xLabel], in: map)
            guard let x = map[Self.xLabel]?.bytesValue, x.count == 32 else { throw .malformedKey }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x) else { throw .invalidPublicKey }
            self.key = .ed25519(key)
            self.algorithm = .edDSA
        default:
            throw .unsupportedKeyType
        }
        self.coseBytes = coseBytes
    }

    /// Every label must be one the key type defines and Gatehouse reads: a parameter it would ignore
    /// (`kid`, `key_ops`, a private label) could make two encodings of one key, or hide meaning.
    private static func requireOnlyLabels(_ labels: Set<Int64>, in map: CBORMap) throws(PasskeyDataError) {
        for entry in map.entries {
            guard let label = entry.key.integerValue, labels.contains(label) else { throw .malformedKey }
        }
    }

    /// Whether `signature` is this key's signature over `data`: for ES256 an ASN.1 DER ECDSA signature
    /// over the SHA-256 of `data`, for EdDSA a raw 64-byte Ed25519 signature.
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        switch key {
        case .p256(let key):
            guard let signature = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: data)
        case .ed25519(let key):
            guard signature.count == 64 else { return false }
            return key.isValidSignature(signature, for: data)
        }
    }

    public static func == (lhs: COSEKey, rhs: COSEKey) -> Bool {
        lhs.coseBytes == rhs.coseBytes
    }
}
