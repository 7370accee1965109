import Foundation
import Gatehouse
import GatehouseServer
import Logging

/// A password hasher with scrypt's format but tiny parameters, so tests do not spend seconds hashing.
let cheapHasher: any PasswordHasher = ScryptPasswordHasher(logN: 4, blockSize: 1, parallelism: 1)

/// A logger that drops everything.
let quietLogger: Logger = {
    var logger = Logger(label: "gatehouse.tests", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// A fresh directory under the system's temporary directory, removed after `body`.
func withTemporaryDirectory<Result>(_ body: (URL) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// Opens (and migrates) the SQLite file at `path` exactly as `gatehouse serve` does.
func openSQLite(_ path: String) async throws -> OpenedStore {
    let opened = try StoreOpener.open(.sqlite(path: path), logger: quietLogger)
    try await opened.migrate()
    return opened
}

/// An `Accounts` on `store` signing with `ring`, configured like a default server.
func makeAccounts(store: any GatehouseStore, ring: KeyRing, configuration: ServerConfiguration = ServerConfiguration()) -> Accounts {
    Accounts(store: store, options: configuration.accountsOptions(keyRing: ring, logger: quietLogger, passwordHasher: cheapHasher))
}

/// Logs `username` in over the core API and returns the token.
func login(_ accounts: Accounts, username: String, password: String) async throws -> String {
    let request = SessionRequest(requestIp: "127.0.0.1", userAgent: "tests/1")
    return try await accounts.userByPasswordLogin(username: username, password: password, request: request).authToken
}

/// Runs one authenticated request with `token` and returns it handled (user, renewed token).
func authenticate(_ accounts: Accounts, token: String) async throws -> SessionRequest {
    try await accounts.handleRequest(SessionRequest(authToken: token, requestIp: "127.0.0.1", userAgent: "tests/1"))
}
