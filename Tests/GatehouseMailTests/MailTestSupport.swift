import Foundation
import Gatehouse
import GatehouseMail
import GatehouseSQLite
import GatehouseTesting
import Logging
import Synchronization
import Testing

/// A logger that drops everything.
let quietLogger: Logger = {
    var logger = Logger(label: "gatehouse.mail.tests", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// A fresh directory under the system's temporary directory, removed after `body`.
func withTemporaryDirectory<Result>(_ body: (URL) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-mail-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// The POSIX permission bits of the file or directory at `path`.
func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777
}

/// The stores the courier is tested on: the in-memory one and an SQLite file.
enum OutboxBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqliteFile

    var testDescription: String { rawValue }

    /// Runs `body` with `count` handles on one outbox: the same `MemoryStore` each time, or separate
    /// `SQLiteStore`s on one file, as separate servers on one database would have.
    func withStores<Result>(
        count: Int = 1,
        clock: ManualWallClock,
        _ body: ([any OutboxStore]) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .memory:
            let store = MemoryStore(clock: clock)
            return try await body(Array(repeating: store, count: count))
        case .sqliteFile:
            return try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("gatehouse.sqlite").path
                let stores: [any OutboxStore] = try (0..<count).map { _ in try SQLiteStore(path: path, clock: clock, logger: quietLogger) }
                return try await body(stores)
            }
        }
    }

    /// Runs `body` with one store.
    func withStore<Result>(clock: ManualWallClock, _ body: (any OutboxStore) async throws -> Result) async throws -> Result {
        try await withStores(count: 1, clock: clock) { stores in try await body(stores[0]) }
    }
}

/// A transport that records every message it is handed and answers as `outcome` says: the edge where
/// mail leaves the server, so a double stands in for it.
final class RecordingTransport: MailTransport {
    /// Decides an attempt: `nil` delivers, an error fails it. Gets the message and how many times
    /// (1 for the first) that message id has been handed over.
    typealias Outcome = @Sendable (MailMessage, Int) -> MailDeliveryError?

    private let outcome: Outcome
    private let calls = Mutex<[MailMessage]>([])
    private let deliveredMessages = Mutex<[MailMessage]>([])
    private let continuation: AsyncStream<MailMessage>.Continuation
    /// Each delivered message, as it is delivered.
    let deliveries: AsyncStream<MailMessage>

    init(outcome: @escaping Outcome = { _, _ in nil }) {
        self.outcome = outcome
        (deliveries, continuation) = AsyncStream.makeStream(of: MailMessage.self)
    }

    /// Every message handed over, delivered or not, in order.
    var attempts: [MailMessage] { calls.withLock { $0 } }
    /// The messages delivered, in order.
    var delivered: [MailMessage] { deliveredMessages.withLock { $0 } }

    func send(_ message: MailMessage) async throws(MailDeliveryError) {
        let attempt = calls.withLock { calls in
            calls.append(message)
            return calls.count(where: { $0.messageID == message.messageID })
        }
        if let error = outcome(message, attempt) { throw error }
        deliveredMessages.withLock { $0.append(message) }
        continuation.yield(message)
    }
}

/// An outbox message ready to be claimed, as the account flows write them.
func outboxMessage(
    id: String,
    kind: String = AccountMessage.verifyEmail,
    recipient: String = "zoe@example.com",
    payload: [String: String] = ["username": "zoe", "link": "https://app.example.com/ui/verify?token=abc", "expires_in": "48 hours"],
    at date: Date
) -> OutboxMessage {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let text = String(decoding: (try? encoder.encode(payload)) ?? Data(), as: UTF8.self)
    return OutboxMessage(
        id: id,
        channel: .mail,
        kind: kind,
        accountID: nil,
        recipient: recipient,
        payload: text,
        createdAt: date,
        nextAttemptAt: date
    )
}

/// Collects every log record, so a test can check that no message content was logged.
final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])

    /// Each record's level, message and metadata as one searchable line.
    var lines: [String] { storage.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "gatehouse.mail.tests") { _ in Handler(capture: self) }
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
