import Foundation

/// The messages the account flows send, as outbox entries: what each says is rendered later, by the
/// courier, from the kind and the values here.
public enum AccountMessage {
    /// "Confirm your e-mail address": to the account's address, with a verification link.
    public static let verifyEmail = "verify_email"
    /// "Reset your password": to the account's address, with a reset link.
    public static let resetPassword = "reset_password"
    /// "Confirm your new address": to the new address, with a verification link.
    public static let confirmEmailChange = "confirm_email_change"
    /// "Your address is being changed": to the old address, without a link.
    public static let emailChangeRequested = "email_change_requested"

    /// A lifetime as a message says it: "48 hours", "1 hour", "30 minutes", "2 days".
    static func spelledOut(_ lifetime: Duration) -> String {
        let seconds = max(60, lifetime.components.seconds)
        func count(_ value: Int64, _ unit: String) -> String { "\(value) \(unit)\(value == 1 ? "" : "s")" }
        if seconds % 86_400 == 0, seconds > 2 * 86_400 { return count(seconds / 86_400, "day") }
        if seconds % 3_600 == 0 { return count(seconds / 3_600, "hour") }
        return count((seconds + 59) / 60, "minute")
    }

    /// An outbox entry of `kind` to `recipient`, carrying `values` for its template.
    static func message(
        _ kind: String,
        to recipient: String,
        accountID: String,
        values: [String: String],
        at date: Date,
        random: any RandomSource
    ) throws -> OutboxMessage {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = String(decoding: try encoder.encode(values), as: UTF8.self)
        return OutboxMessage(
            id: Identifiers.ulid(at: date, random: random),
            channel: .mail,
            kind: kind,
            accountID: accountID,
            recipient: recipient,
            payload: payload,
            createdAt: date,
            nextAttemptAt: date
        )
    }
}
