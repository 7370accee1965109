import Crypto
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Passkeys: COSE keys")
struct COSEKeyTests {
    static let message = Array("authenticator data and client data hash".utf8)

    @Test func p256KeysParseAndVerifyRealSignatures() throws {
        let encoded = PasskeyFixtures.coseP256().encoded
        let key = try COSEKey(coseBytes: encoded)
        #expect(key.algorithm == .es256)
        #expect(key.coseBytes == encoded)
        let signature = Array(try PasskeyFixtures.p256Key.signature(for: Self.message).derRepresentation)
        #expect(key.isValidSignature(signature, for: Self.message))
        #expect(!key.isValidSignature(signature, for: Self.message + [0]))
        #expect(!key.isValidSignature(signature, for: Array("other data".utf8)))
        // The raw r‖s form is not what WebAuthn sends for ES256.
        let raw = Array(try PasskeyFixtures.p256Key.signature(for: Self.message).rawRepresentation)
        #expect(!key.isValidSignature(raw, for: Self.message))
        #expect(!key.isValidSignature([], for: Self.message))
    }

    @Test func everyFlippedByteOfADERSignatureIsRefused() throws {
        let key = try COSEKey(coseBytes: PasskeyFixtures.coseP256().encoded)
        let signature = Array(try PasskeyFixtures.p256Key.signature(for: Self.message).derRepresentation)
        for index in signature.indices {
            var flipped = signature
            flipped[index] ^= 0x01
            #expect(!key.isValidSignature(flipped, for: Self.message), "byte \(index)")
        }
        #expect(!key.isValidSignature(signature + [0], for: Self.message))
    }

    @Test func ed25519KeysParseAndVerifyRealSignatures() throws {
        let encoded = PasskeyFixtures.coseEd25519().encoded
        let key = try COSEKey(coseBytes: encoded)
        #expect(key.algorithm == .edDSA)
        let signature = Array(try PasskeyFixtures.ed25519Key.signature(for: Self.message))
        #expect(key.isValidSignature(signature, for: Self.message))
        #expect(!key.isValidSignature(signature, for: Array("other data".utf8)))
        var flipped = signature
        flipped[10] ^= 0x80
        #expect(!key.isValidSignature(flipped, for: Self.message))
        #expect(!key.isValidSignature(Array(signature.prefix(63)), for: Self.message))
        #expect(!key.isValidSignature(signature + [0], for: Self.message))
    }

    @Test func anotherKeysSignatureIsRefused() throws {
        let key = try COSEKey(coseBytes: PasskeyFixtures.coseP256(P256.Signing.PrivateKey().publicKey).encoded)
        let signature = Array(try PasskeyFixtures.p256Key.signature(for: Self.message).derRepresentation)
        #expect(!key.isValidSignature(signature, for: Self.message))
        let edKey = try COSEKey(coseBytes: PasskeyFixtures.coseEd25519(Curve25519.Signing.PrivateKey().publicKey).encoded)
        #expect(!edKey.isValidSignature(Array(try PasskeyFixtures.ed25519Key.signature(for: Self.message)), for: Self.message))
    }

    @Test func storedBytesParseBackToTheSameKey() throws {
        for encoded in [PasskeyFixtures.coseP256().encoded, PasskeyFixtures.coseEd25519().encoded] {
            let key = try COSEKey(coseBytes: encoded)
            let again = try COSEKey(coseBytes: key.coseBytes)
            #expect(again == key)
            #expect(again.algorithm == key.algorithm)
            // From a decoded value, the bytes are its canonical encoding: the same ones.
            #expect(try COSEKey(CBORReader.decode(encoded)).coseBytes == encoded)
        }
        #expect(try COSEKey(coseBytes: PasskeyFixtures.coseP256().encoded) != COSEKey(coseBytes: PasskeyFixtures.coseEd25519().encoded))
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var expected: PasskeyDataError
        var testDescription: String { name }

        init(_ name: String, _ item: TestCBOR, _ expected: PasskeyDataError) {
            self.init(name, bytes: item.encoded, expected)
        }

        init(_ name: String, bytes: [UInt8], _ expected: PasskeyDataError) {
            self.name = name
            self.bytes = bytes
            self.expected = expected
        }
    }

    static let point = Array(PasskeyFixtures.p256Key.publicKey.x963Representation)
    static let x = Array(point[1..<33])
    static let y = Array(point[33..<65])
    static let edX = Array(PasskeyFixtures.ed25519Key.publicKey.rawRepresentation)

    static func ec2(_ pairs: [TestCBOR.Pair]) -> TestCBOR { .map(pairs) }
    static let kty2 = TestCBOR.Pair(.int(1), .int(2))
    static let alg7 = TestCBOR.Pair(.int(3), .int(-7))
    static let crv1 = TestCBOR.Pair(.int(-1), .int(1))
    static let xPair = TestCBOR.Pair(.int(-2), .bytes(x))
    static let yPair = TestCBOR.Pair(.int(-3), .bytes(y))

    static let refusals: [Refusal] = [
        Refusal(
            "RSA key type",
            .map([.init(.int(1), .int(3)), .init(.int(3), .int(-257)), .init(.int(-1), .bytes([1])), .init(.int(-2), .bytes([1]))]),
            .unsupportedKeyType
        ),
        Refusal("symmetric key type", .map([.init(.int(1), .int(4)), .init(.int(3), .int(-7)), .init(.int(-1), .int(1))]), .unsupportedKeyType),
        Refusal("EC2 with EdDSA", PasskeyFixtures.coseEC2(x: x, y: y, alg: -8), .unsupportedAlgorithm),
        Refusal("EC2 with ES384", PasskeyFixtures.coseEC2(x: x, y: y, alg: -35), .unsupportedAlgorithm),
        Refusal("EC2 with RS256", PasskeyFixtures.coseEC2(x: x, y: y, alg: -257), .unsupportedAlgorithm),
        Refusal("EC2 on P-384", PasskeyFixtures.coseEC2(x: x, y: y, crv: 2), .unsupportedCurve),
        Refusal("EC2 on secp256k1", PasskeyFixtures.coseEC2(x: x, y: y, crv: 8), .unsupportedCurve),
        Refusal("EC2 without alg", ec2([kty2, crv1, xPair, yPair]), .malformedKey),
        Refusal("EC2 without kty", ec2([alg7, crv1, xPair, yPair]), .malformedKey),
        Refusal("EC2 without crv", ec2([kty2, alg7, xPair, yPair]), .malformedKey),
        Refusal("EC2 without x", ec2([kty2, alg7, crv1, yPair]), .malformedKey),
        Refusal("EC2 without y", ec2([kty2, alg7, crv1, xPair]), .malformedKey),
        Refusal("EC2 with a compressed point", ec2([kty2, alg7, crv1, xPair, .init(.int(-3), .bool(true))]), .malformedKey),
        Refusal("EC2 with a 31-byte x", PasskeyFixtures.coseEC2(x: Array(x.dropFirst()), y: y), .malformedKey),
        Refusal("EC2 with a 33-byte y", PasskeyFixtures.coseEC2(x: x, y: [0] + y), .malformedKey),
        Refusal("EC2 with a kid", ec2([kty2, .init(.int(2), .bytes([1])), alg7, crv1, xPair, yPair]), .malformedKey),
        Refusal("EC2 with a text label", ec2([kty2, alg7, crv1, xPair, yPair, .init(.text("use"), .text("sig"))]), .malformedKey),
        Refusal("EC2 with alg as text", ec2([kty2, .init(.int(3), .text("ES256")), crv1, xPair, yPair]), .malformedKey),
        Refusal("EC2 with kty as text", ec2([.init(.int(1), .text("EC2")), alg7, crv1, xPair, yPair]), .malformedKey),
        Refusal("EC2 with x as text", ec2([kty2, alg7, crv1, .init(.int(-2), .text("x")), yPair]), .malformedKey),
        Refusal("off-curve point", PasskeyFixtures.coseEC2(x: x, y: Array(y.dropLast()) + [y[31] ^ 0x01]), .invalidPublicKey),
        Refusal("all-zero point", PasskeyFixtures.coseEC2(x: Array(repeating: 0, count: 32), y: Array(repeating: 0, count: 32)), .invalidPublicKey),
        Refusal("coordinates above the field prime", PasskeyFixtures.coseEC2(x: Array(repeating: 0xFF, count: 32), y: y), .invalidPublicKey),
        Refusal(
            "OKP with ES256",
            .map([.init(.int(1), .int(1)), .init(.int(3), .int(-7)), .init(.int(-1), .int(6)), .init(.int(-2), .bytes(edX))]),
            .unsupportedAlgorithm
        ),
        Refusal(
            "OKP on X25519",
            .map([.init(.int(1), .int(1)), .init(.int(3), .int(-8)), .init(.int(-1), .int(4)), .init(.int(-2), .bytes(edX))]),
            .unsupportedCurve
        ),
        Refusal(
            "OKP on Ed448",
            .map([.init(.int(1), .int(1)), .init(.int(3), .int(-8)), .init(.int(-1), .int(7)), .init(.int(-2), .bytes(edX))]),
            .unsupportedCurve
        ),
        Refusal(
            "OKP with a 31-byte x",
            .map([.init(.int(1), .int(1)), .init(.int(3), .int(-8)), .init(.int(-1), .int(6)), .init(.int(-2), .bytes(Array(edX.dropLast())))]),
            .malformedKey
        ),
        Refusal("OKP without x", .map([.init(.int(1), .int(1)), .init(.int(3), .int(-8)), .init(.int(-1), .int(6))]), .malformedKey),
        Refusal("OKP without alg", .map([.init(.int(1), .int(1)), .init(.int(-1), .int(6)), .init(.int(-2), .bytes(edX))]), .malformedKey),
        Refusal(
            "OKP with a y",
            .map([
                .init(.int(1), .int(1)), .init(.int(3), .int(-8)), .init(.int(-1), .int(6)), .init(.int(-2), .bytes(edX)),
                .init(.int(-3), .bytes(edX)),
            ]),
            .malformedKey
        ),
        Refusal("an array", .array([.int(1), .int(2)]), .malformedKey),
        Refusal("the raw point", .bytes(point), .malformedKey),
        Refusal("an empty map", .map([]), .malformedKey),
        Refusal("trailing bytes", bytes: PasskeyFixtures.coseP256().encoded + [0x00], .cbor(.trailingBytes)),
        Refusal("truncated", bytes: Array(PasskeyFixtures.coseP256().encoded.dropLast()), .cbor(.lengthExceedsInput)),
        Refusal("duplicate label", bytes: ec2([kty2, alg7, crv1, xPair, yPair, kty2]).encoded, .cbor(.duplicateMapKey)),
        Refusal("empty input", bytes: [], .cbor(.truncated)),
    ]

    @Test(arguments: refusals)
    func keysOutsideTheProfileAreRefused(_ refusal: Refusal) {
        #expect(throws: refusal.expected) { try COSEKey(coseBytes: refusal.bytes) }
    }

    @Test func algorithmIdentifiersAreCOSEs() {
        #expect(COSEAlgorithm.es256.rawValue == -7)
        #expect(COSEAlgorithm.edDSA.rawValue == -8)
        #expect(COSEAlgorithm(rawValue: -257) == nil)
    }
}
