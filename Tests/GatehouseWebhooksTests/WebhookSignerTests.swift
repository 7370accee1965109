import Crypto
import Foundation
import GatehouseWebhooks
import Testing

/// `WebhookSigner` against the Standard Webhooks example and an independent HMAC.
@Suite("Webhook signer")
struct WebhookSignerTests {
    static let exampleID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let exampleTimestamp: Int64 = 1_614_265_330
    static let exampleBody = #"{"test": 2432232314}"#

    @Test("the specification's example signs to its published signature")
    func specificationVector() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(exampleSecretText))
        let signature = signer.signature(webhookID: Self.exampleID, timestamp: Self.exampleTimestamp, body: Self.exampleBody)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("the headers carry the id, the attempt's whole Unix seconds, and the signature of both with the body")
    func headers() throws {
        let signer = WebhookSigner(secret: try WebhookSecret(exampleSecretText))
        // A fraction of a second is dropped, as the header is integer seconds.
        let date = Date(timeIntervalSince1970: Double(Self.exampleTimestamp) + 0.75)
        let headers = signer.headers(webhookID: Self.exampleID, at: date, body: Self.exampleBody)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.map(\.value) == [Self.exampleID, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="])
    }

    @Test(
        "changing the id, the timestamp or a byte of the body changes the signature",
        arguments: [
            ("msg_p5jXN8AQM9LWM0D4loKWxJeK", exampleTimestamp, exampleBody),
            (exampleID, exampleTimestamp + 1, exampleBody),
            (exampleID, exampleTimestamp, #"{"test": 2432232315}"#),
            (exampleID, exampleTimestamp, #"{"test":2432232314}"#),
            (exampleID, exampleTimestamp, ""),
        ]
    )
    func tamperedContent(id: String, timestamp: Int64, body: String) throws {
        let signer = WebhookSigner(secret: try WebhookSecret(exampleSecretText))
        #expect(signer.signature(webhookID: id, timestamp: timestamp, body: body) != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("a longer key signs as HMAC-SHA256 over id.timestamp.body, with non-ASCII bodies as UTF-8")
    func independentHMAC() throws {
        let key = Data((0..<64).map { UInt8($0 * 3 % 256) })
        let signer = WebhookSigner(secret: try WebhookSecret("whsec_" + key.base64EncodedString()))
        let body = #"{"name":"Zoë","note":"naïve — ☃"}"#
        let expected = HMAC<SHA256>.authenticationCode(for: Data("01J9ZQ4S7Y.1700000000.\(body)".utf8), using: SymmetricKey(data: key))
        #expect(signer.signature(webhookID: "01J9ZQ4S7Y", timestamp: 1_700_000_000, body: body) == "v1," + Data(expected).base64EncodedString())
    }

    @Test("another key gives another signature")
    func otherKey() throws {
        let other = WebhookSigner(secret: try WebhookSecret("whsec_" + Data(repeating: 7, count: 24).base64EncodedString()))
        #expect(
            other.signature(webhookID: Self.exampleID, timestamp: Self.exampleTimestamp, body: Self.exampleBody)
                != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        )
    }
}
