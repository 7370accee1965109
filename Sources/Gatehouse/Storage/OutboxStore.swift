import struct Foundation.Date

/// Where messages wait for delivery (see ``OutboxMessage``).
///
/// Several couriers — one per server on a shared database — may work on one outbox: a message is
/// claimed with a lease, and only one courier holds a message's lease at a time. A courier that crashes
/// mid-delivery loses its lease when it expires, and the message is delivered again (at least once).
public protocol OutboxStore: Sendable {
    /// Adds messages, all or none, in one transaction; an id already taken is a
    /// `Conflict` (``AccountError/Detail/idTaken``).
    func enqueue(_ messages: [OutboxMessage]) async throws
    /// Claims up to `limit` pending messages of `channel` that are due at `date` and not leased (or
    /// whose lease ended), the longest due first (by ``OutboxMessage/nextAttemptAt``, then id), leasing
    /// them until `leaseUntil`; returns them. Two concurrent claims never return the same message.
    func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage]
    /// Marks a pending message sent at `date`, counting the attempt that delivered it, and erases its
    /// payload and lease. The three `mark` calls change only a pending message: a courier whose lease ran
    /// out cannot overwrite the outcome another courier recorded.
    func markSent(id: String, at date: Date) async throws
    /// Records a failed attempt of a pending message and when to try again; the lease ends.
    func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws
    /// Marks a pending message failed for good at `date` (its ``OutboxMessage/nextAttemptAt`` from then
    /// on), with the reason; it keeps its payload (until it is deleted), so an operator can retry it.
    func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws
    /// Messages, newest first: all of them, or those with `status`.
    func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage]
    /// The message with this id.
    func message(id: String) async throws -> OutboxMessage?
    /// Makes a failed message pending again, due at `date`, with no attempts counted; returns whether it
    /// was a failed message.
    func retryMessage(id: String, at date: Date) async throws -> Bool
    /// Deletes messages that ended before `date` — sent ones by ``OutboxMessage/sentAt``, failed ones by
    /// when they failed — and returns how many.
    func deleteMessages(endedBefore date: Date) async throws -> Int
}
