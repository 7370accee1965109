import Foundation

/// Makes the ``AuditTrail`` of a change: its events, stamped with who acted and from where (the
/// ``AuditContext`` bound to the running task), and one webhook call per event and configured endpoint.
public struct AuditLog: Sendable, Equatable {
    /// Where security events are announced: absolute `http`/`https` URLs; none by default.
    public var webhookEndpoints: [String]
    /// Who acts when no ``AuditContext`` is bound: ``AuditActor/user`` for a server answering clients,
    /// ``AuditActor/operator`` for the admin commands.
    public var defaultActor: AuditActor

    public init(webhookEndpoints: [String] = [], defaultActor: AuditActor = .user) {
        self.webhookEndpoints = webhookEndpoints
        self.defaultActor = defaultActor
    }

    /// The trail of one event of `kind`.
    ///
    /// `actor` and `client` default to the bound context's (``defaultActor`` with no client when none is
    /// bound);
    /// `sessionID` defaults to the session the request was authenticated with.
    public func trail(
        _ kind: AuditEvent.Kind,
        accountID: String?,
        sessionID: String? = nil,
        actor: AuditActor? = nil,
        client: ConnectionInfo? = nil,
        details: [String: String] = [:],
        at date: Date,
        random: any RandomSource
    ) -> AuditTrail {
        let context = AuditContext.current
        let client = client ?? context?.client
        // Stores keep milliseconds: the event's time is what they will read back, and what webhooks say.
        let date = StoredTime.rounded(date)
        let event = AuditEvent(
            // Monotonic: events made one after the other list in that order, even within a millisecond.
            id: Identifiers.monotonicULID(at: date, random: random),
            kind: kind,
            occurredAt: date,
            accountID: accountID,
            sessionID: sessionID ?? context?.sessionID,
            actor: actor ?? context?.actor ?? defaultActor,
            clientAddress: client?.ip,
            userAgent: client.map { String($0.userAgent.prefix(Self.userAgentLimit)) },
            details: details
        )
        return AuditTrail(events: [event], messages: webhookMessages(for: event, random: random))
    }

    /// The webhook calls announcing `event`, one per endpoint: the payload is the JSON body as sent.
    ///
    /// They carry no account id as their owner, so deleting the account does not take back the call
    /// that announces its deletion.
    public func webhookMessages(for event: AuditEvent, random: any RandomSource) -> [OutboxMessage] {
        guard !webhookEndpoints.isEmpty else { return [] }
        let body = Self.webhookBody(event)
        return webhookEndpoints.map { endpoint in
            OutboxMessage(
                id: Identifiers.ulid(at: event.occurredAt, random: random),
                channel: .webhook,
                kind: event.kind.rawValue,
                accountID: nil,
                recipient: endpoint,
                payload: body,
                createdAt: event.occurredAt,
                nextAttemptAt: event.occurredAt
            )
        }
    }

    /// A client's `User-Agent` is kept to this many characters: enough to tell browsers and apps apart,
    /// and a client cannot make every event it causes large.
    static let userAgentLimit = 512

    /// The body of a webhook call, in the Standard Webhooks shape: `type`, `timestamp` and the event as
    /// `data` (its `id` is the event's, the same in every call announcing it).
    static func webhookBody(_ event: AuditEvent) -> String {
        let body = WebhookBody(
            type: event.kind.rawValue,
            timestamp: PublishedAuditEvent.timestamp(event.occurredAt),
            data: PublishedAuditEvent(event)
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and a dictionary of strings cannot fail.
        return (try? encoder.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private struct WebhookBody: Encodable {
        var type: String
        var timestamp: String
        var data: PublishedAuditEvent
    }
}

/// An ``AuditEvent`` as Gatehouse publishes it — in webhook calls and `GET /v1/activity` — with
/// camel-case keys and RFC 3339 times in UTC with milliseconds.
public struct PublishedAuditEvent: Sendable, Equatable, Codable {
    public var id: String
    public var type: String
    public var occurredAt: String
    public var accountId: String?
    public var sessionId: String?
    public var actor: String
    public var clientAddress: String?
    public var userAgent: String?
    public var details: [String: String]

    public init(_ event: AuditEvent) {
        id = event.id
        type = event.kind.rawValue
        occurredAt = Self.timestamp(event.occurredAt)
        accountId = event.accountID
        sessionId = event.sessionID
        actor = event.actor.rawValue
        clientAddress = event.clientAddress
        userAgent = event.userAgent
        details = event.details
    }

    /// `date` as RFC 3339 text in UTC, with milliseconds (rounded, as stores keep them).
    public static func timestamp(_ date: Date) -> String {
        // Formatted from whole milliseconds: a formatter would truncate a binary fraction such as
        // 0.8189999 to .818 where a store reads back .819.
        let millis = StoredTime.millis(date)
        let (seconds, fraction) = millis.quotientAndRemainder(dividingBy: 1000)
        let whole = Date(timeIntervalSince1970: Double(fraction < 0 ? seconds - 1 : seconds))
        let text = whole.formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction < 0 ? fraction + 1000 : fraction)
        return String(text.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
