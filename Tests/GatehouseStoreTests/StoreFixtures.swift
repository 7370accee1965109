import Foundation
import Gatehouse
import GatehouseSQLite
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

/// Record builders with whole-second dates, which every store keeps exactly.
enum Fixture {
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    static func date(_ seconds: Int) -> Date {
        epoch.addingTimeInterval(TimeInterval(seconds))
    }

    /// A 32-byte digest made of one repeated byte: distinct bytes give distinct digests.
    static func digest(_ byte: UInt8) -> [UInt8] {
        [UInt8](repeating: byte, count: 32)
    }

    static func account(_ name: String, email: String? = nil, at seconds: Int = 0) -> AccountRecord {
        AccountRecord(
            accountId: "acct-\(name)", username: name, email: email ?? "\(name)@example.com",
            permissions: ["admin_profile:acct-\(name)"], createdAt: date(seconds), updatedAt: date(seconds))
    }

    static func primaryEmail(of account: AccountRecord) -> ContactRecord {
        ContactRecord(accountId: account.accountId, kind: .email, value: account.email, isPrimary: true, createdAt: account.createdAt)
    }

    /// Creates `account` with its primary e-mail contact and any `extra` contacts.
    @discardableResult
    static func create(
        _ account: AccountRecord, in store: any GatehouseStore, passwordHash: String = "hash-v1", extra: [ContactRecord] = []
    ) async throws -> AccountRecord {
        try await store.createAccount(account, passwordHash: passwordHash, contacts: [primaryEmail(of: account)] + extra)
        return account
    }

    static func session(
        _ id: String, of account: AccountRecord, hash: UInt8 = 1, at seconds: Int = 0, expiresAfter lifetime: Int = 86_400
    ) -> SessionRecord {
        SessionRecord(
            id: id, accountId: account.accountId, currentHash: digest(hash), createdAt: date(seconds), lastUsedAt: date(seconds),
            expiresAt: date(seconds + lifetime), ip: "192.0.2.1", userAgent: "Agent/1.0")
    }

    /// A rotation of `session` from secret `expected` to secret `new`.
    static func rotation(of sessionId: String, from expected: UInt8, to new: UInt8, at seconds: Int = 10) -> SessionUpdate {
        SessionUpdate(
            sessionId: sessionId, expectedCurrentHash: digest(expected), currentHash: digest(new), previousHash: digest(expected),
            rotatedAt: date(seconds), olderSecrets: [SupersededSecret(hash: digest(200), supersededAt: date(seconds - 5))],
            currentPresented: false, lastUsedAt: date(seconds), ip: "198.51.100.7", userAgent: "Agent/2.0")
    }

    static func token(
        _ id: String, of account: AccountRecord, kind: OneTimeTokenRecord.Kind = .emailVerification, hash: UInt8,
        at seconds: Int = 0, expiresAfter lifetime: Int = 3_600
    ) -> OneTimeTokenRecord {
        OneTimeTokenRecord(
            id: id, accountId: account.accountId, kind: kind, createdFor: account.email, hash: digest(hash), reason: "test",
            createdAt: date(seconds), expiresAt: date(seconds + lifetime))
    }

    static func signingKey(_ kid: String, signing: Bool, at seconds: Int = 0) -> StoredSigningKey {
        StoredSigningKey(kid: kid, secret: Array(kid.utf8) + [UInt8](repeating: 7, count: 32), createdAt: date(seconds), isSigning: signing)
    }
}

/// Expects `body` to throw an ``AccountError`` with `code`, and returns it.
@discardableResult
func expectAccountError(
    _ code: AccountError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
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
