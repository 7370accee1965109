import CoreMetrics
import Crypto
import Foundation
import Gatehouse
import Logging
import Synchronization
import Testing

/// A logger that drops everything.
let quietLogger: Logger = {
    var logger = Logger(label: "gatehouse.webhooks.tests", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// The secret of the Standard Webhooks example: a 24-byte key.
let exampleSecretText = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/// A word inside every test payload, to look for where no payload may appear.
let payloadMarker = "payload-marker-7c1f"

/// ULID-shaped ids that sort in the order of `number`.
func messageID(_ number: Int) -> String {
    let digits = String(number)
    return "01J9ZQ4S7Y" + String(repeating: "0", count: 16 - digits.count) + digits
}

/// A webhook message as the core writes them: the endpoint as recipient, the exact JSON body as
/// payload, the event type as kind.
func webhookMessage(_ number: Int, to endpoint: String, at date: Date, kind: String = "session.revoked") -> OutboxMessage {
    OutboxMessage(
        id: messageID(number),
        channel: .webhook,
        kind: kind,
        accountID: nil,
        recipient: endpoint,
        payload: #"{"type":"\#(kind)","data":{"n":\#(number),"note":"\#(payloadMarker)"}}"#,
        createdAt: date,
        nextAttemptAt: date
    )
}

/// Checks a request's `webhook-signature` the way a receiver would, with Crypto's HMAC and the key
/// decoded from the secret's text — not with the code under test.
func expectValidSignature(
    _ request: LoopbackReceiver.Request,
    secretText: String = exampleSecretText,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let id = try #require(request.header("webhook-id"), sourceLocation: sourceLocation)
    let timestamp = try #require(request.header("webhook-timestamp"), sourceLocation: sourceLocation)
    let signature = try #require(request.header("webhook-signature"), sourceLocation: sourceLocation)
    let key = try #require(Data(base64Encoded: String(secretText.dropFirst("whsec_".count))), sourceLocation: sourceLocation)
    let content = Data("\(id).\(timestamp).".utf8) + Data(request.body)
    let expected = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
    #expect(signature == "v1," + Data(expected).base64EncodedString(), sourceLocation: sourceLocation)
}

/// Collects every log record, so a test can check what was and was not logged.
final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])

    /// Each record's level, message and metadata as one searchable line.
    var lines: [String] { storage.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "gatehouse.webhooks.tests") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let line = ["\(event.level): \(event.message)"] + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            capture.storage.withLock { $0.append(line.joined(separator: " ")) }
        }
    }
}

/// A metrics factory that totals counters by label and dimensions, for one test.
final class CounterTotals: MetricsFactory {
    private let totals = Mutex<[String: Int64]>([:])

    /// The total of the counter `label` with exactly these dimensions.
    func total(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        totals.withLock { $0[Self.key(label, dimensions)] ?? 0 }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: ",") + "}"
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(key: Self.key(label, dimensions), totals: self)
    }

    // Only counters are totalled; the rest are handed no-op handlers.
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { NOOPMetricsHandler.instance }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { NOOPMetricsHandler.instance }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class Handler: CounterHandler {
        let key: String
        let totals: CounterTotals

        init(key: String, totals: CounterTotals) {
            self.key = key
            self.totals = totals
        }

        func increment(by amount: Int64) {
            totals.totals.withLock { $0[key, default: 0] += amount }
        }

        func reset() {
            totals.totals.withLock { $0[key] = 0 }
        }
    }
}
