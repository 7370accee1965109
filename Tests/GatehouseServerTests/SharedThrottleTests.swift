import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseTesting
import Testing

/// Login and sign-up limits are counted in the database: every server on it sees the same counts, and
/// a restart forgets nothing. Each `Accounts` here is one server, with its own `SQLiteStore` on the
/// same file.
@Suite("Limits shared by the servers of one database")
struct SharedThrottleTests {
    static let client = ConnectionInfo(ip: "203.0.113.7", userAgent: "tests/1")
    static let password = "correct horse battery"

    /// A server: its own store on the file at `path`, the shared clock.
    static func server(_ path: String, clock: ManualWallClock) throws -> Accounts {
        let store = try SQLiteStore(path: path, clock: clock, logger: quietLogger)
        var options = AccountsOptions(
            sessions: SessionsOptions(keyRing: KeyRing(signingKey: try SigningKey(secret: "a-shared-secret-of-thirty-two-bytes")))
        )
        options.sessions.clock = clock
        options.sessions.logger = quietLogger
        options.passwordHasher = cheapHasher
        return Accounts(store: store, options: options)
    }

    /// The `AccountError` code a login ends with, `nil` for a success.
    static func logIn(
        _ accounts: Accounts,
        _ username: String = "ada",
        password: String,
        client: ConnectionInfo = client
    ) async throws
        -> AccountError.Code?
    {
        do {
            _ = try await accounts.logIn(username: username, password: password, client: client)
            return nil
        } catch let error as AccountError {
            return error.code
        }
    }

    @Test("Failures counted by one server are refused by the other")
    func failuresAreShared() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("shared.sqlite").path
            let clock = ManualWallClock()
            let first = try Self.server(path, clock: clock)
            let second = try Self.server(path, clock: clock)
            _ = try await first.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: Self.password))

            for _ in 0..<3 { #expect(try await Self.logIn(first, password: "not the password") == .loginFailed) }
            for _ in 0..<2 { #expect(try await Self.logIn(second, password: "not the password") == .loginFailed) }
            // Five failures in all: each server alone has seen fewer than the limit.
            #expect(try await Self.logIn(first, password: Self.password) == .tooManyAttempts)
            #expect(try await Self.logIn(second, password: Self.password) == .tooManyAttempts)
            #expect(try await Self.logIn(second, password: Self.password, client: ConnectionInfo(ip: "198.51.100.9", userAgent: "tests/1")) == nil)
        }
    }

    @Test("The per-address and sign-up limits are shared too")
    func addressAndSignUpLimitsAreShared() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("shared.sqlite").path
            let clock = ManualWallClock()
            let first = try Self.server(path, clock: clock)
            let second = try Self.server(path, clock: clock)
            for index in 0..<10 {
                #expect(try await Self.logIn(first, "ghost\(index)", password: "guess") == .loginFailed)
                #expect(try await Self.logIn(second, "phantom\(index)", password: "guess") == .loginFailed)
            }
            #expect(try await Self.logIn(first, "spectre", password: "guess") == .tooManyAttempts, "20 per address in all")

            for index in 0..<10 {
                _ = try await first.signUp(
                    CreateAccountInput(username: "first\(index)", email: "first\(index)@example.com", password: Self.password),
                    client: Self.client
                )
                _ = try await second.signUp(
                    CreateAccountInput(username: "second\(index)", email: "second\(index)@example.com", password: Self.password),
                    client: Self.client
                )
            }
            await #expect(throws: AccountError.tooManyAttempts(retryAfter: 1)) {
                _ = try await second.signUp(
                    CreateAccountInput(username: "third", email: "third@example.com", password: Self.password),
                    client: Self.client
                )
            }
        }
    }

    @Test("A reopened database still refuses until the window ends")
    func survivesRestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("restart.sqlite").path
            let clock = ManualWallClock()
            do {
                let before = try Self.server(path, clock: clock)
                _ = try await before.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: Self.password))
                for _ in 0..<5 { #expect(try await Self.logIn(before, password: "not the password") == .loginFailed) }
            }
            let after = try Self.server(path, clock: clock)
            var retryAfter: Int?
            do {
                _ = try await after.logIn(username: "ada", password: Self.password, client: Self.client)
                Issue.record("a restart must not forget the failures")
            } catch let error as AccountError {
                #expect(error.code == .tooManyAttempts)
                retryAfter = error.retryAfter
            }
            let wait = try #require(retryAfter)
            #expect(wait > 0 && wait <= 900)
            clock.advance(by: Double(wait))
            #expect(try await Self.logIn(after, password: Self.password) == nil)
        }
    }
}
