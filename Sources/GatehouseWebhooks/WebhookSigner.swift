import Crypto

import struct Foundation.Data
import struct Foundation.Date

/// Signs webhook requests as the Standard Webhooks specification says, so that a receiver can check
/// with any of its libraries that a request comes from this server, unchanged and recently.
///
/// The signed content is the message id, the timestamp and the exact body, joined by full stops:
/// `<webhook-id>.<webhook-timestamp>.<body>`. Its signature is `v1,` followed by the base64 of the
/// HMAC-SHA256 of that content with the secret's key. The request carries three headers:
///
/// - `webhook-id`: the message id, the same on every attempt, for the receiver to deliver once;
/// - `webhook-timestamp`: when this attempt was made, in integer Unix seconds, for the receiver to
///   refuse replays;
/// - `webhook-signature`: the signature.
public struct WebhookSigner: Sendable {
    /// The header that carries the message id.
    public static let idHeader = "webhook-id"
    /// The header that carries the time of the attempt.
    public static let timestampHeader = "webhook-timestamp"
    /// The header that carries the signature.
    public static let signatureHeader = "webhook-signature"

    private let secret: WebhookSecret

    /// A signer with `secret`'s key.
    public init(secret: WebhookSecret) {
        self.secret = secret
    }

    /// The `webhook-signature` value of a request: `v1,` and the base64 HMAC-SHA256 of
    /// `<webhookID>.<timestamp>.<body>`.
    ///
    /// - Parameters:
    ///   - webhookID: The message id; it must not hold a full stop, which would make the signed content
    ///     ambiguous.
    ///   - timestamp: The time of the attempt, in Unix seconds.
    ///   - body: The request body, byte for byte as it is sent.
    public func signature(webhookID: String, timestamp: Int64, body: String) -> String {
        var authenticator = HMAC<SHA256>(key: secret.key)
        authenticator.update(data: Array("\(webhookID).\(timestamp).".utf8))
        authenticator.update(data: Array(body.utf8))
        return "v1," + Data(authenticator.finalize()).base64EncodedString()
    }

    /// The three headers of a request sent at `date`, by name, in the order id, timestamp, signature.
    ///
    /// - Parameters:
    ///   - webhookID: The message id (see ``signature(webhookID:timestamp:body:)``).
    ///   - date: When the attempt is made; the fraction of a second is dropped.
    ///   - body: The request body, byte for byte as it is sent.
    public func headers(webhookID: String, at date: Date, body: String) -> [(name: String, value: String)] {
        let timestamp = Self.unixSeconds(date)
        return [
            (Self.idHeader, webhookID),
            (Self.timestampHeader, String(timestamp)),
            (Self.signatureHeader, signature(webhookID: webhookID, timestamp: timestamp, body: body)),
        ]
    }

    /// Whole seconds since 1970, rounded down (also before 1970).
    static func unixSeconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }
}
