import Foundation
import Gatehouse
import GatehouseMail
import GatehouseTesting
import ServiceLifecycle
import Synchronization
import Testing

/// `Courier` on real outboxes (in memory and an SQLite file), with a manual clock and a recording
/// transport: what is delivered, when, how often, and what the outbox records.
@Suite("Courier", .timeLimit(.minutes(2)))
struct CourierTests {
    static let sender = "Gatehouse <no-reply@example.com>"
    static let link = "https://app.example.com/ui/verify?token=tok-ABC_123"

    static func courier(
        store: any OutboxStore,
        transport: any MailTransport,
        clock: ManualWallClock,
        policy: RetryPolicy = RetryPolicy(),
        lease: Duration = .seconds(120),
        batchSize: Int = 10,
        capture: LogCapture? = nil
    ) throws -> Courier {
        Courier(
            store: store,
            transport: transport,
            renderer: try MessageRenderer(sender: sender),
            policy: policy,
            clock: clock,
            lease: lease,
            batchSize: batchSize,
            logger: capture?.logger ?? quietLogger
        )
    }

    /// ULID-shaped ids that sort in the order of `number`.
    static func id(_ number: Int) -> String {
        let digits = String(number)
        return "01J9ZQ4S7Y" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func message(_ number: Int, at date: Date, kind: String = AccountMessage.verifyEmail) -> OutboxMessage {
        outboxMessage(
            id: id(number),
            kind: kind,
            recipient: "user\(number)@example.com",
            payload: ["username": "user\(number)", "link": link, "expires_in": "48 hours"],
            at: date
        )
    }

    // MARK: Delivery

    @Test("a due message is delivered once, rendered, and marked sent with its payload erased", arguments: OutboxBackend.allCases)
    func deliversOnce(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            try await store.enqueue([Self.message(1, at: clock.now())])
            let transport = RecordingTransport()
            let courier = try Self.courier(store: store, transport: transport, clock: clock)
            clock.advance(by: 5)

            #expect(try await courier.deliverDueMessages() == 1)
            #expect(try await courier.deliverDueMessages() == 0)

            #expect(transport.attempts.count == 1)
            let mail = try #require(transport.delivered.first)
            #expect(mail.messageID == Self.id(1))
            #expect(mail.to == "user1@example.com")
            #expect(mail.from == Self.sender)
            #expect(mail.subject == "Confirm your e-mail address for Gatehouse")
            #expect(mail.text.contains(Self.link))
            #expect(mail.html.contains(Self.link))
            let stored = try #require(try await store.message(id: Self.id(1)))
            #expect(stored.status == .sent)
            #expect(stored.attempts == 1)
            #expect(stored.payload.isEmpty)
            #expect(stored.sentAt == clock.now())
            #expect(stored.leasedUntil == nil)
        }
    }

    @Test("a message is not claimed before it is due, nor a message of another channel", arguments: OutboxBackend.allCases)
    func notBeforeDue(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            var later = Self.message(1, at: clock.now())
            later.nextAttemptAt = clock.now().addingTimeInterval(60)
            var webhook = Self.message(2, at: clock.now())
            webhook.channel = .webhook
            try await store.enqueue([later, webhook])
            let transport = RecordingTransport()
            let courier = try Self.courier(store: store, transport: transport, clock: clock)

            clock.advance(by: 59)
            #expect(try await courier.deliverDueMessages() == 0)
            clock.advance(by: 1)
            #expect(try await courier.deliverDueMessages() == 1)
            #expect(transport.delivered.map(\.messageID) == [Self.id(1)])
            #expect(try await store.message(id: Self.id(2))?.status == .pending)
        }
    }

    @Test("one call claims at most a batch, the longest due first", arguments: OutboxBackend.allCases)
    func batches(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            // Enqueued newest first: the order comes from the due time, not the insertion.
            let messages = (1...5).reversed().map { number in
                var message = Self.message(number, at: clock.now())
                message.nextAttemptAt = clock.now().addingTimeInterval(Double(number))
                return message
            }
            try await store.enqueue(messages)
            clock.advance(by: 10)
            let transport = RecordingTransport()
            let courier = try Self.courier(store: store, transport: transport, clock: clock, batchSize: 2)

            var handled: [Int] = []
            for _ in 0..<4 { handled.append(try await courier.deliverDueMessages()) }
            #expect(handled == [2, 2, 1, 0])
            #expect(transport.delivered.map(\.messageID) == (1...5).map { Self.id($0) })
        }
    }

    @Test("a batch size below one is taken as one")
    func batchSizeFloor() throws {
        let courier = try Self.courier(store: MemoryStore(), transport: RecordingTransport(), clock: ManualWallClock(), batchSize: 0)
        #expect(courier.batchSize == 1)
    }

    // MARK: Failures

    @Test("a temporary failure is tried again after the policy's delay, and not before", arguments: OutboxBackend.allCases)
    func temporaryFailureRetried(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            let start = clock.now()
            try await store.enqueue([Self.message(1, at: start)])
            // The first two attempts meet a server that says "try later".
            let transport = RecordingTransport { _, attempt in
                attempt <= 2 ? MailDeliveryError(temporary: true, reason: "451 4.3.0 busy") : nil
            }
            let policy = RetryPolicy(maximumAttempts: 5, firstDelay: .seconds(10), longestDelay: .seconds(60))
            let courier = try Self.courier(store: store, transport: transport, clock: clock, policy: policy)

            #expect(try await courier.deliverDueMessages() == 1)
            var stored = try #require(try await store.message(id: Self.id(1)))
            #expect(stored.status == .pending)
            #expect(stored.attempts == 1)
            #expect(stored.nextAttemptAt == start.addingTimeInterval(10))
            #expect(stored.lastError == "451 4.3.0 busy")
            #expect(stored.leasedUntil == nil)

            clock.advance(by: 9)
            #expect(try await courier.deliverDueMessages() == 0)
            #expect(transport.attempts.count == 1)
            clock.advance(by: 1)
            #expect(try await courier.deliverDueMessages() == 1)
            #expect(transport.attempts.count == 2)
            stored = try #require(try await store.message(id: Self.id(1)))
            #expect(stored.attempts == 2)
            // Doubled: 20 s after the second attempt.
            #expect(stored.nextAttemptAt == start.addingTimeInterval(30))

            clock.advance(by: 19)
            #expect(try await courier.deliverDueMessages() == 0)
            clock.advance(by: 1)
            #expect(try await courier.deliverDueMessages() == 1)
            stored = try #require(try await store.message(id: Self.id(1)))
            #expect(stored.status == .sent)
            #expect(stored.attempts == 3)
            #expect(transport.delivered.count == 1)
        }
    }

    // The courier adds `delay.components.seconds` (and likewise the lease's) to the clock: the fraction
    // of a second is dropped.
    @Test("a backoff with a fraction of a second is waited in full")
    func fractionalBackoff() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        try await store.enqueue([Self.message(1, at: clock.now())])
        let transport = RecordingTransport { _, attempt in attempt == 1 ? .temporary("421 busy") : nil }
        let policy = RetryPolicy(firstDelay: .milliseconds(1_500), longestDelay: .seconds(10))
        let courier = try Self.courier(store: store, transport: transport, clock: clock, policy: policy)

        #expect(try await courier.deliverDueMessages() == 1)
        let stored = try #require(try await store.message(id: Self.id(1)))
        #expect(stored.nextAttemptAt == clock.now().addingTimeInterval(1.5))
        clock.advance(by: 1.5)
        #expect(try await courier.deliverDueMessages() == 1)
        #expect(transport.delivered.count == 1)
    }

    @Test("a message that keeps failing for a reason that may pass is marked failed after the last attempt", arguments: OutboxBackend.allCases)
    func failedAfterMaximumAttempts(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            try await store.enqueue([Self.message(1, at: clock.now())])
            let transport = RecordingTransport { _, _ in .temporary("the endpoint could not be reached") }
            let policy = RetryPolicy(maximumAttempts: 3, firstDelay: .seconds(1), longestDelay: .seconds(2))
            let courier = try Self.courier(store: store, transport: transport, clock: clock, policy: policy)

            for attempt in 1...3 {
                #expect(try await courier.deliverDueMessages() == 1)
                #expect(try await store.message(id: Self.id(1))?.attempts == attempt)
                if attempt < 3 { clock.advance(by: policy.delay(afterAttempt: attempt)) }
            }
            let stored = try #require(try await store.message(id: Self.id(1)))
            #expect(stored.status == .failed)
            #expect(stored.lastError == "the endpoint could not be reached")
            #expect(stored.nextAttemptAt == clock.now())
            // Kept, so that an operator can retry it.
            #expect(!stored.payload.isEmpty)

            clock.advance(by: 86_400)
            #expect(try await courier.deliverDueMessages() == 0)
            #expect(transport.attempts.count == 3)
        }
    }

    struct FirstFailure: Sendable, CustomTestStringConvertible {
        var error: MailDeliveryError
        var maximumAttempts: Int
        var status: OutboxMessage.Status
        var testDescription: String { "\(error.isTemporary ? "temporary" : "permanent") of \(maximumAttempts) → \(status)" }
    }

    static let firstFailures: [FirstFailure] = [
        FirstFailure(error: .temporary("421 try later"), maximumAttempts: 8, status: .pending),
        FirstFailure(error: .permanent("550 5.1.1 no such user"), maximumAttempts: 8, status: .failed),
        FirstFailure(error: MailDeliveryError(temporary: false, reason: "the endpoint answered 400"), maximumAttempts: 1, status: .failed),
        FirstFailure(error: .temporary("421 try later"), maximumAttempts: 1, status: .failed),
    ]

    @Test(
        "a first failed attempt: retried when it may pass and attempts remain, failed at once otherwise",
        arguments: OutboxBackend.allCases,
        firstFailures
    )
    func firstFailure(backend: OutboxBackend, failure: FirstFailure) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            try await store.enqueue([Self.message(1, at: clock.now())])
            let transport = RecordingTransport { _, _ in failure.error }
            let policy = RetryPolicy(maximumAttempts: failure.maximumAttempts)
            let courier = try Self.courier(store: store, transport: transport, clock: clock, policy: policy)

            #expect(try await courier.deliverDueMessages() == 1)
            let stored = try #require(try await store.message(id: Self.id(1)))
            #expect(stored.status == failure.status)
            #expect(stored.attempts == 1)
            #expect(stored.lastError == failure.error.reason)
            // A failed message stays failed; a pending one is not due before its backoff.
            #expect(try await courier.deliverDueMessages() == 0)
            #expect(transport.attempts.count == 1)
        }
    }

    @Test("a message that cannot be rendered is marked failed, and the others of the batch are still delivered", arguments: OutboxBackend.allCases)
    func renderingErrors(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            let unknownKind = Self.message(1, at: clock.now(), kind: "no_such_kind")
            var unreadable = Self.message(2, at: clock.now())
            unreadable.payload = "{not json: \(Self.link)"
            var wrongShape = Self.message(3, at: clock.now())
            wrongShape.payload = #"{"username": 42}"#
            let good = Self.message(4, at: clock.now())
            try await store.enqueue([unknownKind, unreadable, wrongShape, good])
            let transport = RecordingTransport()
            let courier = try Self.courier(store: store, transport: transport, clock: clock)

            #expect(try await courier.deliverDueMessages() == 4)
            #expect(transport.attempts.map(\.messageID) == [Self.id(4)])
            for number in 1...3 {
                let stored = try #require(try await store.message(id: Self.id(number)))
                #expect(stored.status == .failed, "message \(number)")
                #expect(stored.attempts == 1)
                let reason = try #require(stored.lastError)
                #expect(!reason.isEmpty)
                #expect(!reason.contains("tok-ABC_123"), "the reason must not hold the payload: \(reason)")
            }
            #expect(try await store.message(id: Self.id(4))?.status == .sent)
        }
    }

    // MARK: Several couriers, crashes

    @Test("two couriers on one outbox, running at once, deliver each message exactly once", arguments: OutboxBackend.allCases)
    func twoCouriers(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStores(count: 2, clock: clock) { stores in
            let count = 40
            try await stores[0].enqueue((1...count).map { Self.message($0, at: clock.now()) })
            let transports = [RecordingTransport(), RecordingTransport()]
            let couriers = try (0..<2).map { index in
                try Self.courier(store: stores[index], transport: transports[index], clock: clock, batchSize: 3)
            }

            let handled = try await withThrowingTaskGroup(of: Int.self) { group in
                for courier in couriers {
                    group.addTask {
                        // Each courier works until it finds nothing to claim, as its poll loop would.
                        var total = 0
                        while true {
                            let claimed = try await courier.deliverDueMessages()
                            if claimed == 0 { return total }
                            total += claimed
                        }
                    }
                }
                return try await group.reduce(0, +)
            }

            #expect(handled == count)
            let delivered = transports.flatMap(\.delivered).map(\.messageID)
            #expect(delivered.count == count)
            #expect(Set(delivered) == Set((1...count).map { Self.id($0) }))
            let stored = try await stores[1].messages(status: nil, limit: 100)
            #expect(stored.count == count)
            #expect(stored.allSatisfy { $0.status == .sent && $0.attempts == 1 })
        }
    }

    @Test("a message claimed by a courier that crashed is delivered by another once the lease ends", arguments: OutboxBackend.allCases)
    func expiredLeaseAfterCrash(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStores(count: 2, clock: clock) { stores in
            try await stores[0].enqueue([Self.message(1, at: clock.now())])
            // The crashed courier got as far as its claim, with the same lease the courier takes.
            let claimed = try await stores[0].claimMessages(
                channel: .mail,
                limit: 10,
                leaseUntil: clock.now().addingTimeInterval(120),
                at: clock.now()
            )
            #expect(claimed.map(\.id) == [Self.id(1)])
            let transport = RecordingTransport()
            let survivor = try Self.courier(store: stores[1], transport: transport, clock: clock)

            #expect(try await survivor.deliverDueMessages() == 0)
            clock.advance(by: 119)
            #expect(try await survivor.deliverDueMessages() == 0)
            clock.advance(by: 1)
            #expect(try await survivor.deliverDueMessages() == 1)
            #expect(transport.delivered.map(\.messageID) == [Self.id(1)])
            #expect(try await stores[1].message(id: Self.id(1))?.status == .sent)
        }
    }

    @Test("a delivery whose outcome could not be recorded is sent again after the lease, not before", arguments: OutboxBackend.allCases)
    func unrecordedOutcomeSentAgain(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { base in
            try await base.enqueue([Self.message(1, at: clock.now())])
            let store = FlakyOutbox(base, failingMarkSent: 1)
            let transport = RecordingTransport()
            let courier = try Self.courier(store: store, transport: transport, clock: clock, lease: .seconds(60))

            #expect(try await courier.deliverDueMessages() == 1)
            #expect(try await base.message(id: Self.id(1))?.status == .pending)
            clock.advance(by: 59)
            #expect(try await courier.deliverDueMessages() == 0)
            clock.advance(by: 1)
            #expect(try await courier.deliverDueMessages() == 1)
            // At least once: the same message, with the same id for the receiver to tell.
            #expect(transport.delivered.map(\.messageID) == [Self.id(1), Self.id(1)])
            #expect(try await base.message(id: Self.id(1))?.status == .sent)
        }
    }

    // MARK: Running as a service

    // `run()` stops by cancelling its task; a delivery cancelled halfway would be sent but not marked,
    // and sent again later (SQLiteStore's writes refuse to run in a cancelled task).
    @Test(
        "a delivery under way when the courier is cancelled is finished and recorded; the rest of the batch waits",
        arguments: OutboxBackend.allCases
    )
    func cancelledMidDelivery(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            try await store.enqueue([Self.message(1, at: clock.now()), Self.message(2, at: clock.now())])
            let transport = HeldTransport()
            let courier = try Self.courier(store: store, transport: transport, clock: clock)

            let delivery = Task { try await courier.deliverDueMessages() }
            var entered = transport.entered.makeAsyncIterator()
            #expect(await entered.next() == Self.id(1))
            delivery.cancel()
            transport.release()
            _ = try await delivery.value

            let first = try #require(try await store.message(id: Self.id(1)))
            #expect(first.status == .sent)
            #expect(first.attempts == 1)
            // The second was claimed but not started: it comes again once its lease runs out.
            let second = try #require(try await store.message(id: Self.id(2)))
            #expect(second.status == .pending)
            #expect(second.attempts == 0)
            clock.advance(by: 120)
            transport.release()
            #expect(try await courier.deliverDueMessages() == 1)
            #expect(try await store.message(id: Self.id(2))?.status == .sent)
        }
    }

    @Test("run() delivers, and a message being sent when a graceful shutdown comes is finished and recorded", arguments: OutboxBackend.allCases)
    func gracefulShutdownFinishesDelivery(backend: OutboxBackend) async throws {
        let clock = ManualWallClock()
        try await backend.withStore(clock: clock) { store in
            try await store.enqueue([Self.message(1, at: clock.now())])
            let transport = HeldTransport()
            let courier = try Self.courier(store: store, transport: transport, clock: clock)
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [courier], logger: quietLogger))

            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var entered = transport.entered.makeAsyncIterator()
                #expect(await entered.next() == Self.id(1))
                // The held delivery completes when the shutdown reaches it.
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let stored = try #require(try await store.message(id: Self.id(1)))
            #expect(stored.status == .sent)
            #expect(stored.attempts == 1)
        }
    }

    // MARK: Logs

    @Test("log lines name messages by id and kind, never their recipient, link or values")
    func logsHoldNoContent() async throws {
        let clock = ManualWallClock()
        let store = MemoryStore(clock: clock)
        try await store.enqueue([
            Self.message(1, at: clock.now()), Self.message(2, at: clock.now()), Self.message(3, at: clock.now()),
            Self.message(4, at: clock.now(), kind: "no_such_kind"),
        ])
        let transport = RecordingTransport { message, _ in
            switch message.messageID {
            case Self.id(2): .temporary("421 busy")
            case Self.id(3): .permanent("550 rejected")
            default: nil
            }
        }
        let capture = LogCapture()
        let courier = try Self.courier(store: store, transport: transport, clock: clock, capture: capture)
        #expect(try await courier.deliverDueMessages() == 4)

        let lines = capture.lines
        #expect(lines.count >= 4)
        for number in 1...4 {
            #expect(lines.contains { $0.contains(Self.id(number)) }, "message \(number) is named")
            #expect(!lines.contains { $0.contains("user\(number)") }, "neither recipient nor username of message \(number)")
        }
        #expect(!lines.contains { $0.contains("tok-ABC_123") || $0.contains("app.example.com") })
    }

    // MARK: Retry policy

    static let delays: [(attempt: Int, seconds: Int64)] = [
        (0, 10), (1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 320), (7, 640), (8, 1_280), (9, 2_560), (10, 3_600), (11, 3_600),
        (31, 3_600), (40, 3_600), (Int.max, 3_600),
    ]

    @Test("the backoff doubles from the first delay and stops at the longest", arguments: delays)
    func retryDelays(attempt: Int, seconds: Int64) {
        #expect(RetryPolicy().delay(afterAttempt: attempt) == .seconds(seconds))
    }

    @Test(
        "the backoff of other policies",
        arguments: [
            (RetryPolicy(firstDelay: .seconds(1), longestDelay: .seconds(5)), [1, 2, 4, 5, 5] as [Int64]),
            (RetryPolicy(firstDelay: .seconds(30), longestDelay: .seconds(30)), [30, 30, 30, 30, 30]),
            (RetryPolicy(firstDelay: .seconds(7), longestDelay: .seconds(1_000)), [7, 14, 28, 56, 112]),
        ]
    )
    func otherPolicies(policy: RetryPolicy, seconds: [Int64]) {
        #expect((1...5).map { policy.delay(afterAttempt: $0) } == seconds.map { .seconds($0) })
    }

    @Test("the defaults: 8 attempts from 10 s to 1 hour apart; at least one attempt")
    func retryDefaults() {
        #expect(RetryPolicy() == RetryPolicy(maximumAttempts: 8, firstDelay: .seconds(10), longestDelay: .seconds(3_600)))
        #expect(RetryPolicy(maximumAttempts: 0).maximumAttempts == 1)
        #expect(RetryPolicy(maximumAttempts: -3).maximumAttempts == 1)
        // 10 + 20 + … + 1280 s between the 8 attempts: about four hours, as documented.
        let total = (1..<8).map { RetryPolicy().delay(afterAttempt: $0) }.reduce(.zero, +)
        #expect(total == .seconds(1_270))
    }
}

/// An outbox whose `markSent` fails a given number of times: a database that went away between the
/// delivery and its record.
private final class FlakyOutbox: OutboxStore {
    struct Unavailable: Error {}

    let base: any OutboxStore
    let failures: Mutex<Int>

    init(_ base: any OutboxStore, failingMarkSent count: Int) {
        self.base = base
        self.failures = Mutex(count)
    }

    func markSent(id: String, at date: Date) async throws {
        let fail = failures.withLock { remaining in
            defer { remaining -= 1 }
            return remaining > 0
        }
        if fail { throw Unavailable() }
        try await base.markSent(id: id, at: date)
    }

    func enqueue(_ messages: [OutboxMessage]) async throws { try await base.enqueue(messages) }
    func claimMessages(channel: OutboxMessage.Channel, limit: Int, leaseUntil: Date, at date: Date) async throws -> [OutboxMessage] {
        try await base.claimMessages(channel: channel, limit: limit, leaseUntil: leaseUntil, at: date)
    }
    func markForRetry(id: String, attempts: Int, nextAttemptAt: Date, error: String) async throws {
        try await base.markForRetry(id: id, attempts: attempts, nextAttemptAt: nextAttemptAt, error: error)
    }
    func markFailed(id: String, attempts: Int, error: String, at date: Date) async throws {
        try await base.markFailed(id: id, attempts: attempts, error: error, at: date)
    }
    func messages(status: OutboxMessage.Status?, limit: Int) async throws -> [OutboxMessage] { try await base.messages(status: status, limit: limit) }
    func message(id: String) async throws -> OutboxMessage? { try await base.message(id: id) }
    func retryMessage(id: String, at date: Date) async throws -> Bool { try await base.retryMessage(id: id, at: date) }
    func deleteMessages(endedBefore date: Date) async throws -> Int { try await base.deleteMessages(endedBefore: date) }
}

/// A transport whose delivery stays under way until the test releases it or a graceful shutdown
/// reaches it: a message already handed to the server when the courier is stopped.
private final class HeldTransport: MailTransport {
    private struct Gate {
        var released = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let gate = Mutex(Gate())
    private let enteredContinuation: AsyncStream<String>.Continuation
    /// The id of each message as its delivery starts.
    let entered: AsyncStream<String>

    init() {
        (entered, enteredContinuation) = AsyncStream.makeStream(of: String.self)
    }

    /// Lets every held delivery, and every later one, complete.
    func release() {
        let waiters = gate.withLock { gate in
            gate.released = true
            defer { gate.waiters = [] }
            return gate.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func send(_ message: MailMessage) async throws(MailDeliveryError) {
        enteredContinuation.yield(message.messageID)
        // A continuation, not a stream: the wait must not end because a task was cancelled.
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = gate.withLock { gate in
                    if gate.released { return true }
                    gate.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onGracefulShutdown: {
            self.release()
        }
    }
}
