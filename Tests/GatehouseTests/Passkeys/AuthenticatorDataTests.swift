import Crypto
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Passkeys: authenticator data and attestation objects")
struct PasskeyAuthenticatorDataTests {
    typealias Fixtures = PasskeyFixtures

    @Test func aNoneAttestationObjectParsesBack() throws {
        let cose = Fixtures.coseP256().encoded
        let authData = Fixtures.authenticatorData(flags: 0x45, coseKey: cose)
        let object = try AttestationObject(bytes: Fixtures.attestationObject(authData: authData))
        #expect(object.format == "none")
        #expect(object.attestationStatement.count == 0)
        let data = object.authenticatorData
        #expect(data.rawBytes == authData)
        #expect(data.rpIDHash == Array(SHA256.hash(data: Array("localhost".utf8))))
        #expect(data.userPresent && data.userVerified && data.hasAttestedCredentialData)
        #expect(!data.backupEligible && !data.backedUp && !data.hasExtensions)
        #expect(data.signCount == 0x0102_0304)
        let credential = try #require(data.attestedCredentialData)
        #expect(credential.aaguid == Array(repeating: 0, count: 16))
        #expect(credential.credentialID == Fixtures.credentialID)
        #expect(credential.credentialPublicKey.coseBytes == cose)
        #expect(credential.credentialPublicKey.algorithm == .es256)
        #expect(data.extensions == nil)
    }

    @Test func anEd25519CredentialWithExtensionsParses() throws {
        let cose = Fixtures.coseEd25519().encoded
        let authData = Fixtures.authenticatorData(flags: 0xDD, credentialID: Array(repeating: 0xAB, count: 1023), coseKey: cose)
        let data = try AuthenticatorData(bytes: authData)
        #expect(data.attestedCredentialData?.credentialID.count == 1023)
        #expect(data.attestedCredentialData?.credentialPublicKey.algorithm == .edDSA)
        #expect(data.extensions?["credProtect"] == .integer(2))
        #expect(data.backupEligible && data.backedUp)
    }

    @Test func loginDataCarriesOnlyTheHeaderAndExtensions() throws {
        let plain = try AuthenticatorData(bytes: Fixtures.authenticatorData(flags: 0x05, signCount: 0))
        #expect(plain.rawBytes.count == 37)
        #expect(plain.attestedCredentialData == nil && plain.extensions == nil && plain.signCount == 0)
        let withExtensions = try AuthenticatorData(bytes: Fixtures.authenticatorData(flags: 0x85, signCount: .max))
        #expect(withExtensions.signCount == .max)
        #expect(withExtensions.extensions?.count == 1)
        // An empty extensions map is still a map.
        let empty = try AuthenticatorData(bytes: Fixtures.authenticatorData(flags: 0x81, extensions: [0xA0]))
        #expect(empty.extensions?.count == 0)
    }

    @Test(arguments: UInt8.min...UInt8.max)
    func everyFlagBitReadsAsItsProperty(_ flags: UInt8) throws {
        let bytes = Fixtures.authenticatorData(flags: flags)
        guard flags & 0x18 != 0x10 else {
            #expect(throws: PasskeyDataError.inconsistentFlags) { try AuthenticatorData(bytes: bytes) }
            return
        }
        let data = try AuthenticatorData(bytes: bytes)
        #expect(data.flags == flags)
        #expect(data.userPresent == (flags & 0x01 != 0))
        #expect(data.userVerified == (flags & 0x04 != 0))
        #expect(data.backupEligible == (flags & 0x08 != 0))
        #expect(data.backedUp == (flags & 0x10 != 0))
        #expect(data.hasAttestedCredentialData == (flags & 0x40 != 0))
        #expect(data.hasExtensions == (flags & 0x80 != 0))
        #expect((data.attestedCredentialData != nil) == data.hasAttestedCredentialData)
        #expect((data.extensions != nil) == data.hasExtensions)
    }

    @Test func everyPrefixOfValidDataIsRefused() throws {
        for flags: UInt8 in [0x45, 0xC5, 0x85, 0x05] {
            let full = Fixtures.authenticatorData(flags: flags)
            _ = try AuthenticatorData(bytes: full)
            for length in 0..<full.count {
                #expect(throws: PasskeyDataError.self, "flags \(flags), \(length) bytes") { try AuthenticatorData(bytes: full.prefix(length)) }
            }
        }
        let object = Fixtures.attestationObject(authData: Fixtures.authenticatorData(flags: 0xC5))
        for length in 0..<object.count {
            #expect(throws: PasskeyDataError.self, "\(length) bytes") { try AttestationObject(bytes: object.prefix(length)) }
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var expected: PasskeyDataError
        var testDescription: String { name }

        init(_ name: String, _ bytes: [UInt8], _ expected: PasskeyDataError) {
            self.name = name
            self.bytes = bytes
            self.expected = expected
        }
    }

    static let header = Array(Fixtures.authenticatorData(flags: 0x45).prefix(37))
    static let cose = Fixtures.coseP256().encoded

    static let refusals: [Refusal] = [
        Refusal("empty", [], .truncatedAuthenticatorData),
        Refusal("36 bytes", Array(header.prefix(36)), .truncatedAuthenticatorData),
        Refusal("AT set, nothing after the header", header, .truncatedAuthenticatorData),
        Refusal("AT set, AAGUID only", header + Array(repeating: 0, count: 16), .truncatedAuthenticatorData),
        Refusal("AT set, no key", header + Array(repeating: 0, count: 16) + [0, 1, 7], .truncatedAuthenticatorData),
        Refusal("credential id of length 0", header + Array(repeating: 0, count: 16) + [0, 0] + cose, .invalidCredentialIDLength),
        Refusal(
            "credential id of length 1024",
            header + Array(repeating: 0, count: 16) + [4, 0] + Array(repeating: 1, count: 1024) + cose,
            .invalidCredentialIDLength
        ),
        Refusal("credential id of length 65535", header + Array(repeating: 0, count: 16) + [0xFF, 0xFF], .invalidCredentialIDLength),
        Refusal("credential id longer than the rest", header + Array(repeating: 0, count: 16) + [0, 200] + cose, .truncatedAuthenticatorData),
        Refusal(
            "AT clear, credential data present",
            Fixtures.authenticatorData(flags: 0x45).enumerated().map { $0.offset == 32 ? 0x05 : $0.element },
            .trailingBytes
        ),
        Refusal("bytes after the key", Fixtures.authenticatorData(flags: 0x45) + [0x00], .trailingBytes),
        Refusal("bytes after the extensions", Fixtures.authenticatorData(flags: 0xC5) + [0xA0], .trailingBytes),
        Refusal("bytes after the header", Fixtures.authenticatorData(flags: 0x05) + [0xA0], .trailingBytes),
        Refusal(
            "ED set, no extensions",
            Fixtures.authenticatorData(flags: 0x05).enumerated().map { $0.offset == 32 ? 0x85 : $0.element },
            .truncatedAuthenticatorData
        ),
        Refusal("extensions that are not a map", Fixtures.authenticatorData(flags: 0x85, extensions: [0x01]), .invalidExtensions),
        Refusal("extensions with a float", Fixtures.authenticatorData(flags: 0x85, extensions: hexBytes("a1 6161 f93c00")), .cbor(.floatNotAllowed)),
        Refusal(
            "extensions too deep",
            Fixtures.authenticatorData(flags: 0x85, extensions: [UInt8](repeating: 0x81, count: 40)),
            .cbor(.nestingTooDeep)
        ),
        Refusal("key with a tag", Fixtures.authenticatorData(flags: 0x45, coseKey: [0xD8, 0x18] + cose), .cbor(.tagNotAllowed)),
        Refusal(
            "key with a huge length",
            Fixtures.authenticatorData(flags: 0x45, coseKey: hexBytes("5b8000000000000000")),
            .cbor(.lengthExceedsInput)
        ),
        Refusal(
            "RSA key",
            Fixtures.authenticatorData(
                flags: 0x45,
                coseKey: TestCBOR.map([.init(.int(1), .int(3)), .init(.int(3), .int(-257)), .init(.int(-1), .int(1))]).encoded
            ),
            .unsupportedKeyType
        ),
        Refusal("BS without BE", Fixtures.authenticatorData(flags: 0x15), .inconsistentFlags),
    ]

    @Test(arguments: refusals)
    func malformedDataIsRefused(_ refusal: Refusal) {
        #expect(throws: refusal.expected) { try AuthenticatorData(bytes: refusal.bytes) }
    }

    static let objectRefusals: [Refusal] = [
        Refusal("not a map", TestCBOR.array([.text("none")]).encoded, .malformedAttestationObject),
        Refusal(
            "missing fmt",
            TestCBOR.map([.init(.text("attStmt"), .map([])), .init(.text("authData"), .bytes(Fixtures.authenticatorData(flags: 0x45)))]).encoded,
            .malformedAttestationObject
        ),
        Refusal(
            "missing attStmt",
            TestCBOR.map([.init(.text("fmt"), .text("none")), .init(.text("authData"), .bytes(Fixtures.authenticatorData(flags: 0x45)))]).encoded,
            .malformedAttestationObject
        ),
        Refusal(
            "an extra member",
            TestCBOR.map([
                .init(.text("fmt"), .text("none")), .init(.text("attStmt"), .map([])),
                .init(.text("authData"), .bytes(Fixtures.authenticatorData(flags: 0x45))), .init(.text("epAtt"), .bool(true)),
            ]).encoded,
            .malformedAttestationObject
        ),
        Refusal(
            "fmt as bytes",
            TestCBOR.map([
                .init(.text("fmt"), .bytes(Array("none".utf8))), .init(.text("attStmt"), .map([])),
                .init(.text("authData"), .bytes(Fixtures.authenticatorData(flags: 0x45))),
            ]).encoded,
            .malformedAttestationObject
        ),
        Refusal(
            "attStmt as an array",
            Fixtures.attestationObject(statement: .array([]), authData: Fixtures.authenticatorData(flags: 0x45)),
            .malformedAttestationObject
        ),
        Refusal(
            "authData as text",
            TestCBOR.map([.init(.text("fmt"), .text("none")), .init(.text("attStmt"), .map([])), .init(.text("authData"), .text("AAAA"))]).encoded,
            .malformedAttestationObject
        ),
        Refusal(
            "integer keys",
            TestCBOR.map([.init(.int(1), .text("none")), .init(.int(2), .map([])), .init(.int(3), .bytes([]))]).encoded,
            .malformedAttestationObject
        ),
        Refusal("authData without AT", Fixtures.attestationObject(authData: Fixtures.authenticatorData(flags: 0x05)), .missingAttestedCredentialData),
        Refusal("authData malformed", Fixtures.attestationObject(authData: Array(repeating: 0, count: 36)), .truncatedAuthenticatorData),
        Refusal("trailing bytes", Fixtures.attestationObject(authData: Fixtures.authenticatorData(flags: 0x45)) + [0], .cbor(.trailingBytes)),
        Refusal("duplicate fmt", hexBytes("a3 63666d74 646e6f6e65 63666d74 646e6f6e65 6761747453746d74 a0"), .cbor(.duplicateMapKey)),
    ]

    @Test(arguments: objectRefusals)
    func malformedAttestationObjectsAreRefused(_ refusal: Refusal) {
        #expect(throws: refusal.expected) { try AttestationObject(bytes: refusal.bytes) }
    }

    @Test func anyFormatParsesWithItsStatement() throws {
        let statement = TestCBOR.map([.init(.text("alg"), .int(-7)), .init(.text("sig"), .bytes([1, 2, 3]))])
        let object = try AttestationObject(
            bytes: Fixtures.attestationObject(format: "packed", statement: statement, authData: Fixtures.authenticatorData(flags: 0x45))
        )
        #expect(object.format == "packed")
        #expect(object.attestationStatement["alg"] == .integer(-7))
        #expect(object.attestationStatement["sig"]?.bytesValue == [1, 2, 3])
    }
}
