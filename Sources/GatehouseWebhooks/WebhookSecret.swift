import Crypto

import struct Foundation.Data

/// The key that signs webhooks, in the Standard Webhooks form `whsec_<base64 key>`.
///
/// The receiver holds the same text and checks each request's `webhook-signature` with it. The key is
/// 24 to 64 random bytes (192 to 512 bits), as the specification asks of HMAC-SHA256 secrets; anything
/// else is refused rather than stretched or cut.
///
/// A secret never shows when printed, logged, dumped or interpolated: its description is
/// `<redacted>`, and a ``WebhookSecretError`` names what is wrong without repeating the text.
///
/// ```swift
/// let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
/// ```
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What every secret's text starts with.
    public static let prefix = "whsec_"
    /// The shortest key accepted, in bytes (192 bits).
    public static let minimumKeyBytes = 24
    /// The longest key accepted, in bytes (512 bits).
    public static let maximumKeyBytes = 64

    /// The HMAC-SHA256 key: the bytes the base64 text after the prefix stands for.
    let key: SymmetricKey

    /// Reads a secret written as `whsec_` followed by the standard base64 of its key (with `=`
    /// padding where the length needs it).
    ///
    /// - Throws: ``WebhookSecretError`` when the prefix is missing, the rest is not base64, or the key
    ///   is empty, shorter than ``minimumKeyBytes`` or longer than ``maximumKeyBytes``.
    public init(_ text: String) throws(WebhookSecretError) {
        guard text.hasPrefix(Self.prefix) else { throw WebhookSecretError(.missingPrefix) }
        let encoded = text.dropFirst(Self.prefix.count)
        guard !encoded.isEmpty else { throw WebhookSecretError(.emptyKey) }
        // Foundation's decoder refuses white space, the URL-safe alphabet and missing padding: a secret
        // copied with a stray character is refused, not quietly read as another key.
        guard let bytes = Data(base64Encoded: String(encoded)) else { throw WebhookSecretError(.notBase64) }
        guard !bytes.isEmpty else { throw WebhookSecretError(.emptyKey) }
        guard bytes.count >= Self.minimumKeyBytes else { throw WebhookSecretError(.tooShort(bytes: bytes.count)) }
        guard bytes.count <= Self.maximumKeyBytes else { throw WebhookSecretError(.tooLong(bytes: bytes.count)) }
        key = SymmetricKey(data: bytes)
    }

    /// The length of the key, in bytes.
    public var keyByteCount: Int { key.bitCount / 8 }

    /// `<redacted>`: never the key.
    public var description: String { "<redacted>" }
    /// `WebhookSecret(<redacted>)`: never the key.
    public var debugDescription: String { "WebhookSecret(<redacted>)" }
    /// No children: `dump` and debuggers show no key.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
