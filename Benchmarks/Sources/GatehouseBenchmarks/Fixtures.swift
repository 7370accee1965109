import Crypto
import Foundation
import Gatehouse
import GatehouseSQLite
import Logging
import ServiceLifecycle

/// The accounts, sessions and keys the benchmarks run on, made the way a real server makes them.
enum Fixtures {
    /// A browser's user agent: the token binds a keyed hash of it, as it would in production.
    static let userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    static let clientIP = "127.0.0.1"
    static let password = "correct horse battery staple"
    static let keyID = "bench-2025-01"

    /// Who every benchmark client is, as the HTTP layer would describe it.
    static let client = ConnectionInfo(ip: clientIP, userAgent: userAgent)

    static func keyRing() throws -> KeyRing {
        KeyRing(signingKey: try SigningKey.generate(kid: keyID))
    }

    /// A key ring and its signing key's secret as a swift-crypto key: a `SigningKey` does not hand its
    /// secret out, so the HMAC baselines are keyed with the same 32 random bytes.
    static func keyRingWithHMACKey() throws -> (ring: KeyRing, hmacKey: SymmetricKey) {
        let secret = SystemRandomSource().bytes(32)
        return (KeyRing(signingKey: try SigningKey(kid: keyID, secret: secret)), SymmetricKey(data: secret))
    }

    /// Logs only errors, to standard error: the benchmarks measure Gatehouse, not a log sink.
    static var logger: Logger {
        var logger = Logger(label: "gatehouse.bench") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = .error
        return logger
    }

    static func sessionsOptions(ring: KeyRing) -> SessionsOptions {
        var options = SessionsOptions(keyRing: ring)
        options.logger = logger
        return options
    }

    static func accountsOptions(ring: KeyRing, passwordHasher: any PasswordHasher = ScryptPasswordHasher()) -> AccountsOptions {
        var options = AccountsOptions(sessions: sessionsOptions(ring: ring))
        options.passwordHasher = passwordHasher
        // Every benchmark client logs in from 127.0.0.1: limits high enough never to refuse one, so the
        // attempts are still counted in the store as in production but a burst is not answered 429.
        let unbounded = RateLimit(count: 1_000_000, window: .seconds(15 * 60))
        options.loginThrottle = LoginThrottle.Limits(perPair: unbounded, perAddress: unbounded, perAccount: unbounded)
        return options
    }

    /// Accounts written straight to the store, all with `passwordHash` (computing a real hash per
    /// account would cost 90 ms each and measure nothing).
    static func createAccounts(_ count: Int, prefix: String, store: any AccountStore, passwordHash: String = "unused") async throws -> [Account] {
        var accounts: [Account] = []
        accounts.reserveCapacity(count)
        let now = Date()
        let random = SystemRandomSource()
        for index in 0..<count {
            let id = BenchmarkIDs.ulid(at: now, random: random)
            let username = "\(prefix)\(index)"
            let record = AccountRecord(
                accountID: id,
                username: username,
                email: "\(username)@example.com",
                permissions: ["admin_profile:\(id)"],
                createdAt: now,
                updatedAt: now
            )
            let contact = ContactRecord(accountID: id, kind: .email, value: record.email, isPrimary: true, createdAt: now)
            try await store.createAccount(record, passwordHash: passwordHash, contacts: [contact])
            accounts.append(Account(record))
        }
        return accounts
    }

    /// Logs `account` in (without a password) and returns the session's first token.
    static func openSession(for account: Account, sessions: Sessions) async throws -> String {
        try await sessions.startSession(for: account, client: client).token
    }

    /// Runs the background services of `stores` (an SQLite file's WAL checkpointer), as `gatehouse serve`
    /// runs its store's, while `body` runs.
    static func withCheckpointers<Result>(_ stores: [SQLiteStore], _ body: () async throws -> Result) async throws -> Result {
        let group = ServiceGroup(
            configuration: .init(
                services: stores.flatMap { $0.backgroundServices(logger: logger) },
                gracefulShutdownSignals: [],
                logger: logger
            )
        )
        let running = Task { try await group.run() }
        let result: Result
        do {
            result = try await body()
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        return result
    }

    /// Presents `token` as a client would and returns the token the client holds afterwards; throws
    /// when the request was not a renewal (every request in these benchmarks must rotate).
    static func rotate(_ token: String, with sessions: Sessions) async throws -> String {
        guard let authentication = try await sessions.authenticate(token: token, client: client),
            authentication.isRenewed, authentication.token != token
        else {
            throw BenchmarkError("a request was accepted without rotating its token")
        }
        return authentication.token
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Keeps a value alive as far as the optimiser can tell, so that measured work is not removed.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
