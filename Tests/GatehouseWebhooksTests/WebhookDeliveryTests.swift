import AsyncHTTPClient
import Foundation
import Gatehouse
import GatehouseTesting
import GatehouseWebhooks
import LoopbackTestSupport
import Testing

/// `WebhookDelivery` against a real HTTP server on the loopback interface: what it sends, and how each
/// answer, or the lack of one, is classified.
@Suite("Webhook delivery", .timeLimit(.minutes(2)))
struct WebhookDeliveryTests {
    /// Runs `body` with a delivery signing with the example secret through a client of its own, shut
    /// down afterwards.
    static func withDelivery<Result: Sendable>(
        clock: ManualWallClock = ManualWallClock(),
        timeout: Duration = WebhookDelivery.defaultTimeout,
        _ body: (WebhookDelivery) async throws -> Result
    ) async throws -> Result {
        let client = WebhookDelivery.makeHTTPClient(timeout: timeout)
        let delivery = WebhookDelivery(
            signer: WebhookSigner(secret: try WebhookSecret(exampleSecretText)),
            httpClient: client,
            clock: clock,
            timeout: timeout
        )
        do {
            let result = try await body(delivery)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The failure `delivery` throws for `message`; `nil` when it delivered.
    static func failure(_ delivery: WebhookDelivery, _ message: OutboxMessage) async -> DeliveryFailure? {
        do {
            try await delivery.deliver(message)
            return nil
        } catch {
            return error
        }
    }

    // MARK: What is sent

    @Test("the payload is posted as JSON with the three signed headers, which a receiver can verify")
    func signedRequest() async throws {
        let clock = ManualWallClock()
        try await LoopbackReceiver.with(answering: .status(204)) { receiver in
            let message = webhookMessage(1, to: receiver.url, at: clock.now())
            try await Self.withDelivery(clock: clock) { delivery in
                try await delivery.deliver(message)
            }

            let request = try #require(receiver.requests.first)
            #expect(receiver.requests.count == 1)
            #expect(request.method == .POST)
            #expect(request.uri == LoopbackReceiver.path)
            #expect(request.body == Array(message.payload.utf8))
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("user-agent") == "Gatehouse-Webhooks")
            #expect(request.header("webhook-id") == message.id)
            #expect(request.header("webhook-timestamp") == "1700000000")
            #expect(request.header("webhook-signature")?.hasPrefix("v1,") == true)
            try expectValidSignature(request)
        }
    }

    @Test("webhook-timestamp is the time of the attempt on the injected clock")
    func timestampFromClock() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_614_265_330.5))
        try await LoopbackReceiver.with(answering: .status(200)) { receiver in
            try await Self.withDelivery(clock: clock) { delivery in
                try await delivery.deliver(webhookMessage(1, to: receiver.url, at: clock.now()))
                clock.advance(by: 3_600)
                try await delivery.deliver(webhookMessage(1, to: receiver.url, at: clock.now()))
            }
            #expect(receiver.requests.map { $0.header("webhook-timestamp") } == ["1614265330", "1614268930"])
            for request in receiver.requests { try expectValidSignature(request) }
        }
    }

    // MARK: Answers

    @Test("any 2xx answer is delivery", arguments: [200, 201, 202, 204, 299])
    func successStatuses(status: Int) async throws {
        try await LoopbackReceiver.with(answering: .status(status, body: #"{"ok":true}"#)) { receiver in
            let failure = try await Self.withDelivery { delivery in
                await Self.failure(delivery, webhookMessage(1, to: receiver.url, at: Date()))
            }
            #expect(failure == nil)
        }
    }

    @Test("any other status is a temporary failure naming the status", arguments: [304, 400, 401, 404, 410, 413, 429, 500, 502, 503, 504])
    func failureStatuses(status: Int) async throws {
        try await LoopbackReceiver.with(answering: .status(status, body: status == 304 ? "" : "nope")) { receiver in
            let failure = try await Self.withDelivery { delivery in
                await Self.failure(delivery, webhookMessage(1, to: receiver.url, at: Date()))
            }
            #expect(failure == .temporary("the endpoint answered \(status)"))
        }
    }

    @Test("a redirect is not followed: one request, and a temporary failure", arguments: [301, 302, 303, 307, 308])
    func redirectNotFollowed(status: Int) async throws {
        let script: LoopbackReceiver.Script = { request, _ in
            request.uri == LoopbackReceiver.path ? .redirect(status, location: "/elsewhere") : .status(200)
        }
        try await LoopbackReceiver.with(script: script) { receiver in
            let failure = try await Self.withDelivery { delivery in
                await Self.failure(delivery, webhookMessage(1, to: receiver.url, at: Date()))
            }
            #expect(failure == .temporary("the endpoint answered \(status)"))
            #expect(receiver.requests.map(\.uri) == [LoopbackReceiver.path])
        }
    }

    @Test("a large answer body is read only up to a bound, and the status still counts")
    func largeAnswerBody() async throws {
        let large = String(repeating: "x", count: 1_048_576)
        try await LoopbackReceiver.with(answering: .status(200, body: large)) { receiver in
            let failure = try await Self.withDelivery { delivery in
                await Self.failure(delivery, webhookMessage(1, to: receiver.url, at: Date()))
            }
            #expect(failure == nil)
        }
    }

    // MARK: No answer

    @Test("a port nothing listens on is a temporary failure")
    func connectionRefused() async throws {
        let closed = try ClosedLoopbackPort()
        // The client retries connecting until the timeout: a short one keeps the test short.
        let failure = try await Self.withDelivery(timeout: .seconds(1)) { delivery in
            await Self.failure(delivery, webhookMessage(1, to: "http://127.0.0.1:\(closed.port)/hooks", at: Date()))
        }
        withExtendedLifetime(closed) {}
        let refused = try #require(failure)
        #expect(refused.isTemporary)
        #expect(refused.reason.hasPrefix("the endpoint could not be reached ("), "\(refused.reason)")
    }

    @Test("a connection closed without an answer is a temporary failure")
    func closedWithoutAnswer() async throws {
        try await LoopbackReceiver.with(answering: .close) { receiver in
            let failure = try await Self.withDelivery { delivery in
                await Self.failure(delivery, webhookMessage(1, to: receiver.url, at: Date()))
            }
            let closed = try #require(failure)
            #expect(closed.isTemporary)
            #expect(closed.reason.hasPrefix("the request failed ("), "\(closed.reason)")
            #expect(receiver.requests.count == 1)
        }
    }

    // The outcome is what is checked, not how long it took.
    @Test("an endpoint that does not answer within the timeout is a temporary failure")
    func silentEndpoint() async throws {
        try await LoopbackReceiver.with(answering: .silence) { receiver in
            let failure = try await Self.withDelivery(timeout: .milliseconds(300)) { delivery in
                await Self.failure(delivery, webhookMessage(1, to: receiver.url, at: Date()))
            }
            let timedOut = try #require(failure)
            #expect(timedOut.isTemporary)
            #expect(timedOut.reason.hasPrefix("the endpoint did not answer in time"))
        }
    }

    // MARK: Unusable messages

    @Test(
        "an endpoint that is not an absolute http(s) URL is a permanent failure, and nothing is sent",
        arguments: [
            "", "not a url", "hooks.example.com/gatehouse", "/hooks/gatehouse", "ftp://127.0.0.1/hooks", "mailto:ops@example.com", "http://",
            "https:///hooks",
        ]
    )
    func unusableEndpoint(endpoint: String) async throws {
        let failure = try await Self.withDelivery { delivery in
            await Self.failure(delivery, webhookMessage(1, to: endpoint, at: Date()))
        }
        let refused = try #require(failure)
        #expect(!refused.isTemporary)
        #expect(refused.reason == "the endpoint is not an absolute http:// or https:// URL")
    }

    @Test("a message id that would make the signed content ambiguous is a permanent failure", arguments: ["", "msg.1", "msg 1", "msg\r\nx: y"])
    func unsignableID(id: String) async throws {
        try await LoopbackReceiver.with(answering: .status(200)) { receiver in
            var message = webhookMessage(1, to: receiver.url, at: Date())
            message.id = id
            let failure = try await Self.withDelivery { delivery in await Self.failure(delivery, message) }
            #expect(failure == .permanent("the message id cannot be signed"))
            #expect(receiver.requests.isEmpty)
        }
    }

    // MARK: Reasons

    @Test("failure reasons name the status or the kind of error, never the body, the secret or the signature")
    func reasonsHoldNoSecrets() async throws {
        let key = String(exampleSecretText.dropFirst(6))
        var reasons: [String] = []
        let script: LoopbackReceiver.Script = { _, count in
            [.status(500, body: "echo \(payloadMarker)"), .redirect(302, location: "/x"), .close][(count - 1) % 3]
        }
        try await LoopbackReceiver.with(script: script) { receiver in
            let closed = try ClosedLoopbackPort()
            try await Self.withDelivery(timeout: .seconds(1)) { delivery in
                for endpoint in [receiver.url, receiver.url, receiver.url, "http://127.0.0.1:\(closed.port)/", "nonsense"] {
                    if let failure = await Self.failure(delivery, webhookMessage(1, to: endpoint, at: Date())) {
                        reasons.append(failure.reason)
                    }
                }
            }
            withExtendedLifetime(closed) {}
            let signatures = receiver.requests.compactMap { $0.header("webhook-signature") }
            #expect(signatures.count == 3)
            for reason in reasons {
                #expect(!reason.contains(payloadMarker), "\(reason)")
                #expect(!reason.contains(key), "\(reason)")
                for signature in signatures {
                    #expect(!reason.contains(signature.dropFirst(3)), "\(reason)")
                }
            }
        }
        #expect(reasons.count == 5)
    }
}
