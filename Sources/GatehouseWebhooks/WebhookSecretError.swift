/// Why a text is not a ``WebhookSecret``. Its description says what is wrong and what is accepted;
/// it never repeats the text, which may be a real secret with a typo.
public struct WebhookSecretError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the text.
    public enum Reason: Sendable, Equatable {
        /// It does not start with `whsec_`.
        case missingPrefix
        /// What follows `whsec_` is not standard base64.
        case notBase64
        /// There is no key after `whsec_`.
        case emptyKey
        /// The key has fewer than ``WebhookSecret/minimumKeyBytes`` bytes.
        case tooShort(bytes: Int)
        /// The key has more than ``WebhookSecret/maximumKeyBytes`` bytes.
        case tooLong(bytes: Int)
    }

    /// What is wrong.
    public var reason: Reason

    /// An error for `reason`.
    public init(_ reason: Reason) {
        self.reason = reason
    }

    /// What is wrong and what is accepted, in a sentence.
    public var description: String {
        switch reason {
        case .missingPrefix:
            "a webhook secret is written whsec_ followed by the base64 of its key"
        case .notBase64:
            "the text after whsec_ is not standard base64"
        case .emptyKey:
            "the webhook secret has no key after whsec_"
        case .tooShort(let bytes):
            "the webhook secret's key is \(bytes) bytes long; it needs at least \(WebhookSecret.minimumKeyBytes)"
        case .tooLong(let bytes):
            "the webhook secret's key is \(bytes) bytes long; at most \(WebhookSecret.maximumKeyBytes) are accepted"
        }
    }
}
