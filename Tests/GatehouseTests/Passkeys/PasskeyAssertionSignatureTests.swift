import Crypto
import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Passkeys: assertion signatures")
struct PasskeyAssertionSignatureTests {
    typealias Fixtures = PasskeyFixtures

    static let authData = Fixtures.authenticatorData(flags: 0x05, signCount: 7)
    static let clientJSON = Array(#"{"type":"webauthn.get","challenge":"AAECAw","origin":"http://localhost:8080","crossOrigin":false}"#.utf8)

    @Test func theMessageIsAuthenticatorDataThenTheClientDataHash() {
        let message = PasskeyAssertionSignature.signedMessage(authenticatorData: Self.authData, clientDataJSON: Self.clientJSON)
        #expect(message == Self.authData + Array(SHA256.hash(data: Self.clientJSON)))
    }

    @Test func p256AssertionsVerify() throws {
        let message = Self.authData + Array(SHA256.hash(data: Self.clientJSON))
        let signature = Array(try Fixtures.p256Key.signature(for: message).derRepresentation)
        try check(signature: signature, key: COSEKey(coseBytes: Fixtures.coseP256().encoded))
    }

    @Test func ed25519AssertionsVerify() throws {
        let message = Self.authData + Array(SHA256.hash(data: Self.clientJSON))
        let signature = Array(try Fixtures.ed25519Key.signature(for: message))
        try check(signature: signature, key: COSEKey(coseBytes: Fixtures.coseEd25519().encoded))
    }

    func check(signature: [UInt8], key: COSEKey) throws {
        let authenticatorData = try AuthenticatorData(bytes: Self.authData)
        let clientData = try CollectedClientData(bytes: Self.clientJSON)
        #expect(PasskeyAssertionSignature.isValid(signature, publicKey: key, authenticatorData: authenticatorData, clientData: clientData))
        // The same client data with one more space: same meaning, other bytes, no longer signed.
        var spaced = Self.clientJSON
        spaced.insert(0x20, at: 1)
        let respaced = try CollectedClientData(bytes: spaced)
        #expect(respaced.challenge == clientData.challenge)
        #expect(!PasskeyAssertionSignature.isValid(signature, publicKey: key, authenticatorData: authenticatorData, clientData: respaced))
        // Another counter.
        let counted = try AuthenticatorData(bytes: Fixtures.authenticatorData(flags: 0x05, signCount: 8))
        #expect(!PasskeyAssertionSignature.isValid(signature, publicKey: key, authenticatorData: counted, clientData: clientData))
        // Another flag.
        let flagged = try AuthenticatorData(bytes: Fixtures.authenticatorData(flags: 0x01, signCount: 7))
        #expect(!PasskeyAssertionSignature.isValid(signature, publicKey: key, authenticatorData: flagged, clientData: clientData))
    }
}
