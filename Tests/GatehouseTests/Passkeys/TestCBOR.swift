import Crypto

/// A tiny CBOR writer of the tests' own, independent of the one in Gatehouse, so that the reader is
/// checked against an encoding it did not produce.
enum TestCBOR: Sendable {
    case int(Int64)
    case bytes([UInt8])
    case text(String)
    case array([TestCBOR])
    case map([Pair])
    case bool(Bool)
    case null

    struct Pair: Sendable {
        var key: TestCBOR
        var value: TestCBOR

        init(_ key: TestCBOR, _ value: TestCBOR) {
            self.key = key
            self.value = value
        }
    }

    var encoded: [UInt8] {
        switch self {
        case .int(let value):
            return value >= 0 ? Self.head(0, UInt64(value)) : Self.head(1, UInt64(-1 - value))
        case .bytes(let bytes):
            return Self.head(2, UInt64(bytes.count)) + bytes
        case .text(let text):
            return Self.head(3, UInt64(text.utf8.count)) + Array(text.utf8)
        case .array(let items):
            return Self.head(4, UInt64(items.count)) + items.flatMap(\.encoded)
        case .map(let pairs):
            return Self.head(5, UInt64(pairs.count)) + pairs.flatMap { $0.key.encoded + $0.value.encoded }
        case .bool(let value):
            return [value ? 0xF5 : 0xF4]
        case .null:
            return [0xF6]
        }
    }

    static func head(_ major: UInt8, _ argument: UInt64) -> [UInt8] {
        let type = major << 5
        switch argument {
        case ..<24: return [type | UInt8(argument)]
        case ...0xFF: return [type | 24, UInt8(argument)]
        case ...0xFFFF: return [type | 25] + bigEndian(argument, 2)
        case ...0xFFFF_FFFF: return [type | 26] + bigEndian(argument, 4)
        default: return [type | 27] + bigEndian(argument, 8)
        }
    }

    static func bigEndian(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> UInt64($0 * 8)) }
    }
}

/// Bytes from hex, for test tables.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8).filter { $0 != UInt8(ascii: " ") }
    precondition(digits.count % 2 == 0, "odd hex")
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

/// Keys, COSE encodings and authenticator data built the way an authenticator builds them.
enum PasskeyFixtures {
    static let p256Key = P256.Signing.PrivateKey()
    static let ed25519Key = Curve25519.Signing.PrivateKey()

    static func coseP256(_ key: P256.Signing.PublicKey = p256Key.publicKey) -> TestCBOR {
        let point = Array(key.x963Representation)
        return coseEC2(x: Array(point[1..<33]), y: Array(point[33..<65]))
    }

    static func coseEC2(x: [UInt8], y: [UInt8], alg: Int64 = -7, crv: Int64 = 1) -> TestCBOR {
        .map([.init(.int(1), .int(2)), .init(.int(3), .int(alg)), .init(.int(-1), .int(crv)), .init(.int(-2), .bytes(x)), .init(.int(-3), .bytes(y))])
    }

    static func coseEd25519(_ key: Curve25519.Signing.PublicKey = ed25519Key.publicKey) -> TestCBOR {
        .map([.init(.int(1), .int(1)), .init(.int(3), .int(-8)), .init(.int(-1), .int(6)), .init(.int(-2), .bytes(Array(key.rawRepresentation)))])
    }

    static let rpIDHash = Array(SHA256.hash(data: Array("localhost".utf8)))
    static let credentialID: [UInt8] = Array(0..<16)

    /// Authenticator data: the header, then attested credential data when `flags` has AT (with
    /// `coseKey`), then `extensions` when it has ED.
    static func authenticatorData(
        flags: UInt8,
        signCount: UInt32 = 0x0102_0304,
        credentialID: [UInt8] = credentialID,
        coseKey: [UInt8] = coseP256().encoded,
        extensions: [UInt8] = TestCBOR.map([.init(.text("credProtect"), .int(2))]).encoded
    ) -> [UInt8] {
        var data = rpIDHash
        data.append(flags)
        data += TestCBOR.bigEndian(UInt64(signCount), 4)
        if flags & 0x40 != 0 {
            data += [UInt8](repeating: 0, count: 16)
            data += TestCBOR.bigEndian(UInt64(credentialID.count), 2)
            data += credentialID
            data += coseKey
        }
        if flags & 0x80 != 0 { data += extensions }
        return data
    }

    static func attestationObject(format: String = "none", statement: TestCBOR = .map([]), authData: [UInt8]) -> [UInt8] {
        TestCBOR.map([.init(.text("fmt"), .text(format)), .init(.text("attStmt"), statement), .init(.text("authData"), .bytes(authData))]).encoded
    }
}
