import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseTesting
import Logging
import Testing

/// A store implementation the conformance suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqliteFile
    case sqliteMemory
    case postgres

    /// The kinds that can run here; the test arguments of every conformance test.
    static var available: [StoreKind] {
        allCases.filter { $0 != .postgres || PostgresTestSupport.isIncluded }
    }

    var testDescription: String { rawValue }
}

/// Runs `body` against a fresh, empty store of `kind`, and disposes of it afterwards (files included),
/// whether `body` succeeds or throws.
func withStore(_ kind: StoreKind, _ body: (any GatehouseStore) async throws -> Void) async throws {
    switch kind {
    case .memory:
        try await body(MemoryStore())
    case .sqliteMemory:
        try await body(SQLiteStore.inMemory(logger: testLogger))
    case .sqliteFile:
        try await withTemporaryDirectory { directory in
            try await body(SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, logger: testLogger))
        }
    case .postgres:
        try await PostgresTestSupport.withStore(body)
    }
}

/// Runs `body` with a new empty directory, removed afterwards with everything in it.
func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-store-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try await body(directory)
}

let testLogger: Logger = {
    var logger = Logger(label: "gatehouse.store-tests")
    logger.logLevel = .critical
    return logger
}()

// MARK: Records

/// The record builders of `GatehouseTesting`, under the name the store tests use.
typealias Fixture = StoreFixture

/// Expects `body` to throw an ``AccountError`` with `code`, and returns it.
@discardableResult
func expectAccountError(
    _ code: AccountError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> AccountError? {
    do {
        try await body()
        Issue.record("expected AccountError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as AccountError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected AccountError(\(code)), got \(type(of: error))", sourceLocation: sourceLocation)
        return nil
    }
}
