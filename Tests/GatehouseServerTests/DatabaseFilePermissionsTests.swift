import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseServer
import GatehouseTesting
import Logging
import Synchronization
import Testing

/// The SQLite file holds password hashes, e-mail and IP addresses and, for `gatehouse serve`, the
/// signing key: it is created readable by its owner only, and an existing file that others can read is
/// reported.
@Suite("Permissions of the SQLite database file")
struct DatabaseFilePermissionsTests {
    /// The permission bits of the file at `path`.
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o777
    }

    @Test("A new database file, its -wal and its -shm are created with mode 0600")
    func newFileIsPrivate() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("new.sqlite").path
            let recorder = LogRecorder()
            let opened = try StoreOpener.open(.sqlite(path: path), logger: recorder.logger)
            try await opened.migrate()
            let clock = ManualWallClock()
            var options = AccountsOptions(
                sessions: SessionsOptions(keyRing: KeyRing(signingKey: try SigningKey(secret: "permissions-test-secret-of-32-bytes")))
            )
            options.sessions.clock = clock
            options.passwordHasher = cheapHasher
            let accounts = Accounts(store: opened.store, options: options)
            _ = try await accounts.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: "correct horse battery"))

            for file in [path, path + "-wal", path + "-shm"] {
                #expect(FileManager.default.fileExists(atPath: file), "\(file) exists")
                let mode = try Self.mode(file)
                #expect(mode == 0o600, "\(file): \(String(mode, radix: 8))")
            }
            #expect(recorder.records.allSatisfy { $0.level < .warning }, "a file it created is not reported")
        }
    }

    @Test("Opening an existing file that its group or others can read or write logs a warning", arguments: [0o644, 0o640, 0o604, 0o660, 0o606])
    func exposedFileIsReported(mode: Int) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("exposed.sqlite").path
            _ = try SQLiteStore(path: path, logger: quietLogger)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)

            let recorder = LogRecorder()
            _ = try SQLiteStore(path: path, logger: recorder.logger)
            let warnings = recorder.records.filter { $0.level >= .warning }
            #expect(warnings.count == 1, "\(recorder.records)")
            let warning = try #require(warnings.first)
            #expect(warning.message.contains("chmod 600"))
            #expect(warning.metadata["gatehouse.mode"] == String(mode, radix: 8))
            #expect(warning.metadata["gatehouse.path"] == path)
            #expect(try Self.mode(path) == mode, "the file is reported, not changed")
        }
    }

    @Test("Opening an existing private file logs no warning")
    func privateFileIsNotReported() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("private.sqlite").path
            _ = try SQLiteStore(path: path, logger: quietLogger)
            let recorder = LogRecorder()
            _ = try SQLiteStore(path: path, logger: recorder.logger)
            #expect(recorder.records.allSatisfy { $0.level < .warning })
        }
    }
}

/// Keeps every record logged through ``logger``.
final class LogRecorder: Sendable {
    struct Record: Sendable, CustomStringConvertible {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        var description: String { "\(level) \(message) \(metadata)" }
    }

    private let storage = Mutex<[Record]>([])

    var records: [Record] { storage.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "gatehouse.tests.recorded") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.storage.withLock {
                $0.append(Record(level: event.level, message: event.message.description, metadata: merged.mapValues { "\($0)" }))
            }
        }
    }
}
