import Crypto
import Foundation
import Gatehouse
import GatehouseOIDC
import Testing

@Suite("AppleClientSecret: the ES256 JWT Sign in with Apple takes as a client secret")
struct AppleClientSecretTests {
    @Test("the secret parses back to the exact header and claims, signed by the team key")
    func roundTrip() throws {
        let key = P256.Signing.PrivateKey()
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let secret = try AppleClientSecret(
            teamID: "TEAM123456",
            keyID: "KEY7654321",
            clientID: "com.example.web",
            privateKeyPEM: key.pemRepresentation
        )
        let issuedAt = Date(timeIntervalSince1970: 1_700_000_000.75)
        let token = secret.make(at: issuedAt)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)

        let header = try #require(try object(parts[0]))
        #expect(header.count == 3)
        #expect(header["alg"] as? String == "ES256")
        #expect(header["kid"] as? String == "KEY7654321")
        #expect(header["typ"] as? String == "JWT")

        let claims = try #require(try object(parts[1]))
        #expect(claims.count == 5)
        #expect(claims["iss"] as? String == "TEAM123456")
        #expect(claims["sub"] as? String == "com.example.web")
        #expect(claims["aud"] as? String == "https://appleid.apple.com")
        #expect((claims["iat"] as? NSNumber)?.int64Value == 1_700_000_000)
        #expect((claims["exp"] as? NSNumber)?.int64Value == 1_700_003_600)

        let signature = try #require(decode(parts[2]))
        #expect(signature.count == 64)
        let ecdsa = try P256.Signing.ECDSASignature(rawRepresentation: signature)
        #expect(key.publicKey.isValidSignature(ecdsa, for: Array("\(parts[0]).\(parts[1])".utf8)))
        #expect(!P256.Signing.PrivateKey().publicKey.isValidSignature(ecdsa, for: Array("\(parts[0]).\(parts[1])".utf8)))
    }

    @Test("the lifetime is Apple's: as asked, at most six months")
    func lifetime() throws {
        let secret = try AppleClientSecret(
            teamID: "TEAM123456",
            keyID: "KEY7654321",
            clientID: "com.example.web",
            privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation
        )
        for (asked, expected) in [(Duration.seconds(600), 600), (.seconds(400 * 86400), 15_777_000)] as [(Duration, Int64)] {
            let parts = secret.make(at: Date(timeIntervalSince1970: 1_000), lifetime: asked).split(separator: ".")
            let claims = try #require(try object(parts[1]))
            #expect((claims["exp"] as? NSNumber)?.int64Value == 1_000 + expected)
        }
    }

    @Test("a key that is not a P-256 private key is InvalidConfiguration, without the key in the error")
    func badKey() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRET\n-----END PRIVATE KEY-----"
        do {
            _ = try AppleClientSecret(teamID: "TEAM123456", keyID: "KEY7654321", clientID: "com.example.web", privateKeyPEM: pem)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(!error.message.contains("SECRET"))
            #expect(!error.description.contains("SECRET"))
        }
        #expect(throws: AccountError.invalidConfiguration()) {
            try AppleClientSecret(teamID: "", keyID: "KEY7654321", clientID: "c", privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation)
        }
        #expect(throws: AccountError.invalidConfiguration()) {
            try AppleClientSecret(teamID: "T", keyID: "KEY 1", clientID: "c", privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation)
        }
    }

    /// The JSON object a base64url part encodes, if it is one.
    private func object(_ part: Substring) throws -> [String: Any]? {
        guard let data = decode(part) else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}
