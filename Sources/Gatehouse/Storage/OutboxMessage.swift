import struct Foundation.Date

/// A message waiting to be delivered (an e-mail, a webhook call), written in the same transaction as the
/// change that causes it, so nothing is sent for a change that did not commit and nothing is lost by a
/// crash. A courier service claims due messages, delivers them, and marks them sent or failed.
///
/// The payload holds what the message says — a verification or reset link among it — until the message
/// is sent; it is erased then, so only messages not yet delivered (with short-lived links) hold one.
public struct OutboxMessage: Sendable, Equatable {
    /// Where a message goes.
    public struct Channel: RawRepresentable, Sendable, Hashable, Codable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// An e-mail to ``OutboxMessage/recipient``.
        public static let mail = Channel(rawValue: "mail")
        /// A call to the configured webhook endpoints.
        public static let webhook = Channel(rawValue: "webhook")
    }

    /// Where a message is in its life.
    public enum Status: String, Sendable, CaseIterable, Codable {
        /// Waiting for delivery (again, after a temporary failure, at ``OutboxMessage/nextAttemptAt``).
        case pending
        /// Delivered.
        case sent
        /// Given up on after the last attempt, or refused for good by the receiver.
        case failed
    }

    /// ULID: messages sort by creation.
    public var id: String
    public var channel: Channel
    /// What the message is, for the template that renders it (`verify_email`, `reset_password`…).
    public var kind: String
    /// The account it concerns, if any: its messages are deleted with it.
    public var accountID: String?
    /// The e-mail address it goes to (empty for a webhook).
    public var recipient: String
    /// The values the message is rendered from, as JSON text; empty once sent.
    public var payload: String
    public var status: Status
    /// Delivery attempts so far.
    public var attempts: Int
    public var createdAt: Date
    /// When it may be attempted (again).
    public var nextAttemptAt: Date
    /// A courier has it until this time; another may claim it after.
    public var leasedUntil: Date?
    /// Why the last attempt failed, in a few words; never the message's content.
    public var lastError: String?
    public var sentAt: Date?

    public init(
        id: String,
        channel: Channel,
        kind: String,
        accountID: String?,
        recipient: String,
        payload: String,
        status: Status = .pending,
        attempts: Int = 0,
        createdAt: Date,
        nextAttemptAt: Date,
        leasedUntil: Date? = nil,
        lastError: String? = nil,
        sentAt: Date? = nil
    ) {
        self.id = id
        self.channel = channel
        self.kind = kind
        self.accountID = accountID
        self.recipient = recipient
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.leasedUntil = leasedUntil
        self.lastError = lastError
        self.sentAt = sentAt
    }
}
