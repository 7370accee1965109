import Foundation
import GatehouseWebhooks
import Testing

/// `WebhookSecret`: what the `whsec_` form accepts and refuses, and that the key never shows.
@Suite("Webhook secret")
struct WebhookSecretTests {
    /// The standard base64 of `count` bytes of a recognisable pattern.
    static func key(bytes count: Int) -> String {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).base64EncodedString()
    }

    @Test(
        "a whsec_ secret with a key of 24 to 64 bytes is accepted",
        arguments: [
            (exampleSecretText, 24),
            ("whsec_" + key(bytes: 24), 24),
            ("whsec_" + key(bytes: 32), 32),
            ("whsec_" + key(bytes: 50), 50),
            ("whsec_" + key(bytes: 64), 64),
        ]
    )
    func accepted(text: String, bytes: Int) throws {
        #expect(try WebhookSecret(text).keyByteCount == bytes)
    }

    struct Hostile: Sendable, CustomTestStringConvertible {
        var text: String
        var reason: WebhookSecretError.Reason
        var testDescription: String
    }

    static let hostile: [Hostile] = [
        Hostile(text: "", reason: .missingPrefix, testDescription: "empty"),
        Hostile(text: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", reason: .missingPrefix, testDescription: "a bare base64 key"),
        Hostile(text: "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", reason: .missingPrefix, testDescription: "the prefix in capitals"),
        Hostile(text: "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", reason: .missingPrefix, testDescription: "an asymmetric secret key's prefix"),
        Hostile(text: " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", reason: .missingPrefix, testDescription: "a leading space"),
        Hostile(text: "whsec_", reason: .emptyKey, testDescription: "the prefix alone"),
        Hostile(text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", reason: .notBase64, testDescription: "a trailing newline"),
        Hostile(text: "whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw", reason: .notBase64, testDescription: "a space inside"),
        Hostile(text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", reason: .notBase64, testDescription: "a character short"),
        Hostile(text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" + "AA", reason: .notBase64, testDescription: "missing padding"),
        Hostile(text: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La-_Sw", reason: .notBase64, testDescription: "the URL-safe alphabet"),
        Hostile(text: "whsec_correct horse battery staple!", reason: .notBase64, testDescription: "a passphrase"),
        Hostile(text: "whsec_" + key(bytes: 1), reason: .tooShort(bytes: 1), testDescription: "a 1-byte key"),
        Hostile(text: "whsec_" + key(bytes: 16), reason: .tooShort(bytes: 16), testDescription: "a 16-byte key"),
        Hostile(text: "whsec_" + key(bytes: 23), reason: .tooShort(bytes: 23), testDescription: "a 23-byte key"),
        Hostile(text: "whsec_" + key(bytes: 65), reason: .tooLong(bytes: 65), testDescription: "a 65-byte key"),
        Hostile(text: "whsec_" + key(bytes: 512), reason: .tooLong(bytes: 512), testDescription: "a 512-byte key"),
    ]

    @Test("anything else is refused, and the error does not repeat the text", arguments: hostile)
    func refused(_ hostile: Hostile) throws {
        let error = try #require(throws: WebhookSecretError.self) { try WebhookSecret(hostile.text) }
        #expect(error.reason == hostile.reason)
        let key = hostile.text.hasPrefix("whsec_") ? String(hostile.text.dropFirst(6)) : hostile.text
        let keyPart = key.trimmingCharacters(in: .whitespacesAndNewlines)
        if keyPart.count >= 4 {
            #expect(!error.description.contains(keyPart))
            #expect(!String(reflecting: error).contains(keyPart))
        }
    }

    @Test("printing, logging or dumping a secret shows no part of it")
    func redacted() throws {
        let secret = try WebhookSecret(exampleSecretText)
        let key = String(exampleSecretText.dropFirst(6))
        var dumped = ""
        dump(secret, to: &dumped)
        let shown = [
            secret.description, secret.debugDescription, "\(secret)", String(reflecting: secret), dumped, "\([secret])", "\(Optional(secret) as Any)",
        ]
        for text in shown {
            #expect(!text.contains(key), "\(text)")
            #expect(!text.contains("MfKQ"), "\(text)")
        }
        #expect(secret.description == "<redacted>")
    }

    @Test("two secrets are equal when their keys are")
    func equality() throws {
        #expect(try WebhookSecret(exampleSecretText) == WebhookSecret(exampleSecretText))
        #expect(try WebhookSecret(exampleSecretText) != WebhookSecret("whsec_" + Self.key(bytes: 24)))
        #expect(try WebhookSecret("whsec_" + Self.key(bytes: 24)) != WebhookSecret("whsec_" + Self.key(bytes: 32)))
    }
}
