import Gatehouse

extension Administration {
    /// The outbox's e-mails, newest first: all of them or only the failed ones. Sent messages no longer
    /// hold their content; failed and pending ones do, and it is not shown.
    public func mailMessages(failedOnly: Bool, limit: Int = 200) async throws -> [OutboxMessage] {
        let messages = try await store.messages(status: failedOnly ? .failed : nil, limit: limit)
        return messages.filter { $0.channel == .mail }
    }

    /// Makes a failed message due again now, with its attempts counted from zero; the courier of a
    /// running server sends it within its poll interval. Throws
    /// ``AccountError/Detail/unknownMessage`` or ``AccountError/Detail/messageNotFailed``.
    public func retryMailMessage(id: String) async throws {
        guard let message = try await store.message(id: id), message.channel == .mail else {
            throw AccountError.invalidRequest(.unknownMessage)
        }
        guard message.status == .failed, try await store.retryMessage(id: id, at: clock.now()) else {
            throw AccountError.invalidRequest(.messageNotFailed)
        }
    }
}
