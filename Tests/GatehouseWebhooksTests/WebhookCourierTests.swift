import AsyncHTTPClient
import Foundation
import Gatehouse
import GatehouseTesting
import GatehouseWebhooks
import ServiceLifecycle
import Testing

/// `WebhookCourier` on an in-memory outbox with a manual clock, posting to a loopback receiver: what is
/// delivered, when, how often, and what the outbox records.
@Suite("Webhook courier", .timeLimit(.minutes(2)))
struct WebhookCourierTests {
    static func courier(
        store: any OutboxStore,
        clock: ManualWallClock,
        policy: RetryPolicy = RetryPolicy(),
        batchSize: Int = 10,
        metrics: CounterTotals? = nil,
        capture: LogCapture? = nil
    ) throws -> WebhookCourier {
        WebhookCourier(
            store: store,
            secret: try WebhookSecret(exampleSecretText),
            policy: policy,
            clock: clock,
            pollInterval: .milliseconds(10),
            batchSize: batchSize,
            metricsFactory: metrics,
            logger: capture?.logger ?? quietLogger
        )
    }

    /// Runs `body` with an HTTP client for webhooks, shut down afterwards.
    static func withClient<Result: Sendable>(_ body: (HTTPClient) async throws -> Result) async throws -> Result {
        let client = WebhookDelivery.makeHTTPClient()
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    // MARK: Retries

    @Test("a 503 is tried again after the policy's delay, not before, with the same id and a fresh signature")
    func retriedAfterUnavailable() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        let unavailableOnce: LoopbackReceiver.Script = { _, count in count == 1 ? .status(503) : .status(200) }
        try await LoopbackReceiver.with(script: unavailableOnce) { receiver in
            let start = clock.now()
            try await store.enqueue([webhookMessage(1, to: receiver.url, at: start)])
            let policy = RetryPolicy(maximumAttempts: 8, firstDelay: .seconds(10), longestDelay: .seconds(3_600))
            let courier = try Self.courier(store: store, clock: clock, policy: policy)
            try await Self.withClient { client in
                let dispatcher = courier.dispatcher(using: client)

                #expect(try await dispatcher.deliverDueMessages() == 1)
                var stored = try #require(try await store.message(id: messageID(1)))
                #expect(stored.status == .pending)
                #expect(stored.attempts == 1)
                #expect(stored.lastError == "the endpoint answered 503")
                #expect(stored.nextAttemptAt == start.addingTimeInterval(10))
                #expect(stored.leasedUntil == nil)

                clock.advance(by: 9)
                #expect(try await dispatcher.deliverDueMessages() == 0)
                #expect(receiver.requests.count == 1)
                clock.advance(by: 1)
                #expect(try await dispatcher.deliverDueMessages() == 1)

                stored = try #require(try await store.message(id: messageID(1)))
                #expect(stored.status == .sent)
                #expect(stored.attempts == 2)
                #expect(stored.sentAt == clock.now())
                #expect(stored.payload.isEmpty)
            }
            let requests = receiver.requests
            #expect(requests.count == 2)
            #expect(requests.map { $0.header("webhook-id") } == [messageID(1), messageID(1)])
            #expect(requests.map { $0.header("webhook-timestamp") } == ["1700000000", "1700000010"])
            #expect(requests[0].body == requests[1].body)
            for request in requests { try expectValidSignature(request) }
        }
    }

    @Test("an endpoint that keeps failing is marked failed after the policy's last attempt, and left alone then")
    func failedAfterLastAttempt() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        try await LoopbackReceiver.with(answering: .status(500)) { receiver in
            try await store.enqueue([webhookMessage(1, to: receiver.url, at: clock.now())])
            let policy = RetryPolicy(maximumAttempts: 3, firstDelay: .seconds(10), longestDelay: .seconds(15))
            let courier = try Self.courier(store: store, clock: clock, policy: policy)
            try await Self.withClient { client in
                let dispatcher = courier.dispatcher(using: client)
                for attempt in 1...3 {
                    #expect(try await dispatcher.deliverDueMessages() == 1)
                    #expect(try await store.message(id: messageID(1))?.attempts == attempt)
                    if attempt < 3 { clock.advance(by: policy.delay(afterAttempt: attempt)) }
                }
                let stored = try #require(try await store.message(id: messageID(1)))
                #expect(stored.status == .failed)
                #expect(stored.lastError == "the endpoint answered 500")
                // Kept, so that an operator can retry it.
                #expect(!stored.payload.isEmpty)

                clock.advance(by: 86_400)
                #expect(try await dispatcher.deliverDueMessages() == 0)
            }
            #expect(receiver.requests.count == 3)
        }
    }

    @Test("an endpoint URL that cannot be used is marked failed at the first attempt")
    func permanentFailure() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        try await store.enqueue([webhookMessage(1, to: "hooks.example.com/no-scheme", at: clock.now())])
        let courier = try Self.courier(store: store, clock: clock)
        let handled = try await Self.withClient { client in
            try await courier.dispatcher(using: client).deliverDueMessages()
        }
        #expect(handled == 1)
        let stored = try #require(try await store.message(id: messageID(1)))
        #expect(stored.status == .failed)
        #expect(stored.attempts == 1)
        #expect(stored.lastError == "the endpoint is not an absolute http:// or https:// URL")
    }

    @Test("only webhook messages are claimed, not e-mails")
    func onlyWebhooks() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        try await LoopbackReceiver.with(answering: .status(200)) { receiver in
            var mail = webhookMessage(2, to: "zoe@example.com", at: clock.now())
            mail.channel = .mail
            try await store.enqueue([webhookMessage(1, to: receiver.url, at: clock.now()), mail])
            let courier = try Self.courier(store: store, clock: clock)
            let handled = try await Self.withClient { client in
                try await courier.dispatcher(using: client).deliverDueMessages()
            }
            #expect(handled == 1)
            #expect(receiver.requests.map { $0.header("webhook-id") } == [messageID(1)])
            #expect(try await store.message(id: messageID(2))?.status == .pending)
        }
    }

    // MARK: Several couriers

    @Test("two couriers on one outbox, running at once, post each message exactly once")
    func twoCouriers() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        try await LoopbackReceiver.with(answering: .status(200)) { receiver in
            let count = 30
            try await store.enqueue((1...count).map { webhookMessage($0, to: receiver.url, at: clock.now()) })
            let couriers = try (0..<2).map { _ in try Self.courier(store: store, clock: clock, batchSize: 3) }

            let handled = try await Self.withClient { client in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for courier in couriers {
                        let dispatcher = courier.dispatcher(using: client)
                        group.addTask {
                            // Each works until it finds nothing to claim, as its poll loop would.
                            var total = 0
                            while true {
                                let claimed = try await dispatcher.deliverDueMessages()
                                if claimed == 0 { return total }
                                total += claimed
                            }
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }

            #expect(handled == count)
            let posted = receiver.requests.compactMap { $0.header("webhook-id") }
            #expect(posted.count == count)
            #expect(Set(posted) == Set((1...count).map { messageID($0) }))
            let stored = try await store.messages(status: nil, limit: 100)
            #expect(stored.count == count)
            #expect(stored.allSatisfy { $0.status == .sent && $0.attempts == 1 })
        }
    }

    // MARK: Running as a service

    @Test("run() posts due messages and, on a graceful shutdown, finishes, records and stops")
    func runsAsService() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        try await LoopbackReceiver.with(answering: .status(200)) { receiver in
            try await store.enqueue([webhookMessage(1, to: receiver.url, at: clock.now())])
            let courier = try Self.courier(store: store, clock: clock)
            #expect(courier.description == "WebhookCourier")
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [courier], logger: quietLogger))

            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var arrivals = receiver.arrivals.makeAsyncIterator()
                #expect(await arrivals.next()?.header("webhook-id") == messageID(1))
                // The delivery under way is finished and recorded before the courier stops.
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let stored = try #require(try await store.message(id: messageID(1)))
            #expect(stored.status == .sent)
            #expect(stored.attempts == 1)
        }
    }

    // MARK: Logs and metrics

    @Test("log lines name messages by id and event type, never their payload, endpoint or signature")
    func logsHoldNoContent() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        let script: LoopbackReceiver.Script = { request, _ in
            request.header("webhook-id") == messageID(2) ? .status(503) : .status(200)
        }
        try await LoopbackReceiver.with(script: script) { receiver in
            try await store.enqueue([
                webhookMessage(1, to: receiver.url, at: clock.now(), kind: "account.created"),
                webhookMessage(2, to: receiver.url, at: clock.now(), kind: "password.changed"),
                webhookMessage(3, to: "nonsense", at: clock.now(), kind: "session.revoked"),
            ])
            let capture = LogCapture()
            let courier = try Self.courier(store: store, clock: clock, capture: capture)
            let handled = try await Self.withClient { client in
                try await courier.dispatcher(using: client).deliverDueMessages()
            }
            #expect(handled == 3)

            let lines = capture.lines
            for (number, kind) in [(1, "account.created"), (2, "password.changed"), (3, "session.revoked")] {
                #expect(lines.contains { $0.contains(messageID(number)) && $0.contains(kind) }, "message \(number) is named with its kind")
            }
            let signatures = receiver.requests.compactMap { $0.header("webhook-signature") }
            #expect(!signatures.isEmpty)
            for line in lines {
                #expect(!line.contains(payloadMarker), "\(line)")
                #expect(!line.contains(LoopbackReceiver.path), "\(line)")
                #expect(!line.contains(String(exampleSecretText.dropFirst(6))), "\(line)")
                for signature in signatures { #expect(!line.contains(signature.dropFirst(3)), "\(line)") }
            }
        }
    }

    @Test("each attempt is counted in gatehouse_webhook_deliveries_total by outcome")
    func counted() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        let script: LoopbackReceiver.Script = { request, _ in
            request.header("webhook-id") == messageID(2) ? .status(503) : .status(200)
        }
        try await LoopbackReceiver.with(script: script) { receiver in
            try await store.enqueue([
                webhookMessage(1, to: receiver.url, at: clock.now()),
                webhookMessage(2, to: receiver.url, at: clock.now()),
                webhookMessage(3, to: "nonsense", at: clock.now()),
            ])
            let metrics = CounterTotals()
            let courier = try Self.courier(store: store, clock: clock, metrics: metrics)
            let handled = try await Self.withClient { client in
                try await courier.dispatcher(using: client).deliverDueMessages()
            }
            #expect(handled == 3)
            let label = "gatehouse_webhook_deliveries_total"
            #expect(metrics.total(label, [("outcome", "sent")]) == 1)
            #expect(metrics.total(label, [("outcome", "retry")]) == 1)
            #expect(metrics.total(label, [("outcome", "failed")]) == 1)
            #expect(metrics.total("gatehouse_mail_deliveries_total", [("outcome", "sent")]) == 0)
        }
    }

    @Test("a batch size below one is taken as one")
    func batchSizeFloor() throws {
        let courier = try Self.courier(store: MemoryStore(), clock: ManualWallClock(), batchSize: 0)
        #expect(courier.batchSize == 1)
    }
}
