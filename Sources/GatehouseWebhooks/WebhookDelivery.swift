import AsyncHTTPClient
import Gatehouse
import NIOCore

import struct Foundation.URL

/// What delivering one message of the outbox's `.webhook` channel means: a signed JSON `POST` of the
/// message's payload to the endpoint the message names.
///
/// Each attempt posts the message's `payload` — already the exact JSON body — to its `recipient`, the
/// endpoint's URL, with `content-type: application/json`, `user-agent: Gatehouse-Webhooks` and the
/// three headers of ``WebhookSigner`` (`webhook-id` is the message id, the same on every attempt).
///
/// A `2xx` answer is delivery. Any other status — a redirect too, which is never followed — no answer
/// within the ``timeout``, or a connection that could not be made or was lost is a temporary failure,
/// tried again while the retry policy allows; an endpoint URL that cannot be used is a permanent one. A
/// failure's reason names the status or the kind of error, never the body, the secret or the
/// signature.
///
/// All deliveries share one `HTTPClient`, made by ``makeHTTPClient(timeout:)``; whoever makes it shuts it
/// down (``WebhookCourier`` does when it stops).
public struct WebhookDelivery: OutboxDelivery {
    /// The `user-agent` of every request.
    public static let userAgent = "Gatehouse-Webhooks"
    /// How long one attempt may take unless told otherwise.
    public static let defaultTimeout: Duration = .seconds(10)
    /// How much of an answer's body is read (and dropped) before the connection is given up: enough
    /// for the short answers that let the connection be reused, not enough for an endpoint to keep the
    /// courier busy.
    static let responseBodyLimit = 16 * 1_024

    /// How long one attempt may take, from the connection to the answer's status.
    public let timeout: Duration
    private let signer: WebhookSigner
    private let client: HTTPClient
    private let clock: any WallClock

    /// - Parameters:
    ///   - signer: Signs each request.
    ///   - httpClient: The client every request goes through; make it with
    ///     ``makeHTTPClient(timeout:)`` so that redirects are not followed.
    ///   - clock: The source of each attempt's `webhook-timestamp`.
    ///   - timeout: How long one attempt may take.
    public init(signer: WebhookSigner, httpClient: HTTPClient, clock: any WallClock = SystemWallClock(), timeout: Duration = defaultTimeout) {
        self.signer = signer
        self.client = httpClient
        self.clock = clock
        self.timeout = timeout
    }

    /// A client for webhook requests: redirects are not followed (a receiver that moved is told by the
    /// failures, and a signed request is not replayed to a host nobody configured), and connecting and
    /// each read give up after `timeout`. The caller shuts it down.
    public static func makeHTTPClient(timeout: Duration = defaultTimeout) -> HTTPClient {
        let limit = timeAmount(timeout)
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: limit, read: limit)
        )
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Posts `message` once.
    ///
    /// - Throws: A temporary `DeliveryFailure` for an answer other than `2xx`, a timeout or a failed
    ///   connection; a permanent one for an endpoint or a message id that cannot be used.
    public func deliver(_ message: OutboxMessage) async throws(DeliveryFailure) {
        guard Self.isEndpoint(message.recipient) else {
            throw .permanent("the endpoint is not an absolute http:// or https:// URL")
        }
        // The id goes into the signed content and a header: a full stop would make the content
        // ambiguous, a control character the header invalid. Outbox ids are ULIDs, which have neither.
        guard !message.id.isEmpty, message.id.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "." && $0.value != 0x7F }) else {
            throw .permanent("the message id cannot be signed")
        }
        var request = HTTPClientRequest(url: message.recipient)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: Self.userAgent)
        for header in signer.headers(webhookID: message.id, at: clock.now(), body: message.payload) {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(string: message.payload))

        let status: UInt
        do {
            status = try await post(request)
        } catch {
            throw Self.failure(for: error)
        }
        guard (200..<300).contains(status) else {
            throw .temporary("the endpoint answered \(status)")
        }
    }

    /// Sends `request` and returns the answer's status code, once at most ``responseBodyLimit`` bytes
    /// of its body were read.
    private func post(_ request: HTTPClientRequest) async throws -> UInt {
        let deadline = NIODeadline.now() + Self.timeAmount(timeout)
        let response = try await client.execute(request, deadline: deadline)
        // The status decided the outcome; the body is read only so that the connection can be reused,
        // and not past the bound or the deadline (leaving the loop closes the connection).
        do {
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if read > Self.responseBodyLimit || NIODeadline.now() >= deadline { break }
            }
        } catch {
            // An answer cut short after its status still answered.
        }
        return response.status.code
    }

    /// Whether `text` is an absolute `http://` or `https://` URL with a host.
    static func isEndpoint(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else { return false }
        return url.host?.isEmpty == false
    }

    /// `duration` in NIO's unit, to the nanosecond.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
