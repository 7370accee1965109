import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseTesting
import Synchronization
import Testing

/// Logins that were checking the password when the account was deactivated, its password changed or
/// all its sessions ended create no session: the session is written only if the account is still as it
/// was read. The password hasher holds every verification until the test lets them go, so six logins
/// are in flight when the account changes.
@Suite("Logins in flight when the account changes")
struct LoginInFlightTests {
    static let password = "correct horse battery"
    static let inFlight = 6

    enum Store: String, CaseIterable, CustomTestStringConvertible {
        /// One memory store shared by the server and the administrator.
        case memory
        /// An SQLite file, opened once by the server and once more by the administrator, as the
        /// `gatehouse accounts` commands do next to a running server.
        case sqlite

        var testDescription: String { rawValue }
    }

    enum Change: String, CaseIterable, CustomTestStringConvertible {
        case deactivation
        case deactivationAndReactivation
        case passwordChange
        case passwordChangeKeepingSessions
        case revokeAll

        var testDescription: String { rawValue }

        /// What each login in flight fails with once released.
        var expected: AccountError.Code { self == .deactivation ? .userDeactivated : .authenticationFailed }

        func apply(to accounts: Accounts, accountID: String) async throws {
            switch self {
            case .deactivation:
                try await accounts.deactivateAccount(accountID: accountID)
            case .deactivationAndReactivation:
                try await accounts.deactivateAccount(accountID: accountID)
                try await accounts.reactivateAccount(accountID: accountID)
            case .passwordChange:
                try await accounts.setPassword(accountID: accountID, newPassword: "a brand new password")
            case .passwordChangeKeepingSessions:
                try await accounts.setPassword(accountID: accountID, newPassword: "a brand new password", revoking: SessionRevocation.none)
            case .revokeAll:
                _ = try await accounts.sessions.revokeSessions(.allSessions(accountID: accountID), reason: .logout)
            }
        }
    }

    /// Holds password verifications until released, and lets the test wait until a number arrived.
    final class HeldVerifications: Sendable {
        private struct State {
            var arrived = 0
            var released = false
            var held: [CheckedContinuation<Void, Never>] = []
            var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        }

        private let state = Mutex(State())

        /// A verification arrives and waits for the release.
        func arrive() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumed = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.arrived += 1
                    var ready = state.watchers.filter { $0.count <= state.arrived }.map(\.continuation)
                    state.watchers.removeAll { $0.count <= state.arrived }
                    if state.released { ready.append(continuation) } else { state.held.append(continuation) }
                    return ready
                }
                for waiting in resumed { waiting.resume() }
            }
        }

        /// Returns once `count` verifications arrived.
        func waitForArrivals(_ count: Int) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.arrived >= count { return true }
                    state.watchers.append((count, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        }

        /// Lets every held and later verification go on.
        func release() {
            let resumed = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.released = true
                defer {
                    state.held = []
                    state.watchers = []
                }
                return state.held + state.watchers.map(\.continuation)
            }
            for waiting in resumed { waiting.resume() }
        }
    }

    struct HeldHasher: PasswordHasher {
        let gate: HeldVerifications

        func hash(_ password: String) async throws -> String { try await cheapHasher.hash(password) }

        func verify(_ password: String, against hash: String) async throws -> Bool {
            await gate.arrive()
            return try await cheapHasher.verify(password, against: hash)
        }
    }

    /// The server's accounts (held verifications) and the administrator's, on `store`.
    static func open(_ store: Store, in directory: URL, gate: HeldVerifications, clock: ManualWallClock) throws -> (server: Accounts, admin: Accounts)
    {
        let path = directory.appendingPathComponent("accounts.sqlite").path
        let (serverStore, adminStore): (any GatehouseStore, any GatehouseStore)
        switch store {
        case .memory:
            let shared = MemoryStore(clock: clock)
            (serverStore, adminStore) = (shared, shared)
        case .sqlite:
            serverStore = try SQLiteStore(path: path, clock: clock, logger: quietLogger)
            adminStore = try SQLiteStore(path: path, clock: clock, logger: quietLogger)
        }
        func accounts(_ store: any GatehouseStore, hasher: any PasswordHasher) throws -> Accounts {
            var options = AccountsOptions(
                sessions: SessionsOptions(keyRing: KeyRing(signingKey: try SigningKey(secret: "in-flight-test-secret-of-32-bytes!")))
            )
            options.sessions.clock = clock
            options.sessions.logger = quietLogger
            options.passwordHasher = hasher
            return Accounts(store: store, options: options)
        }
        return (try accounts(serverStore, hasher: HeldHasher(gate: gate)), try accounts(adminStore, hasher: cheapHasher))
    }

    @Test("Six logins checking the password while the account changes all fail and leave no session", arguments: Store.allCases, Change.allCases)
    func loginsInFlight(store: Store, change: Change) async throws {
        try await withTemporaryDirectory { directory in
            let gate = HeldVerifications()
            defer { gate.release() }
            let (server, admin) = try Self.open(store, in: directory, gate: gate, clock: ManualWallClock())
            let account = try await admin.createAccount(CreateAccountInput(username: "ada", email: "ada@example.com", password: Self.password))

            let logins = Task {
                await withTaskGroup(of: (any Error)?.self) { group in
                    for index in 0..<Self.inFlight {
                        group.addTask {
                            let client = ConnectionInfo(ip: "198.51.100.\(index + 1)", userAgent: "tests/1")
                            do {
                                _ = try await server.logIn(username: "ada", password: Self.password, client: client)
                                return nil
                            } catch {
                                return error
                            }
                        }
                    }
                    return await group.reduce(into: [(any Error)?]()) { $0.append($1) }
                }
            }
            await gate.waitForArrivals(Self.inFlight)
            try await change.apply(to: admin, accountID: account.accountID)
            gate.release()
            let outcomes = await logins.value

            #expect(outcomes.count == Self.inFlight)
            for outcome in outcomes {
                #expect((outcome as? AccountError)?.code == change.expected, "got \(String(describing: outcome))")
            }
            #expect(try await server.sessions(ofAccount: account.accountID, includeEnded: true).isEmpty, "no session was written")

            if change == .deactivation {
                try await admin.reactivateAccount(accountID: account.accountID)
                #expect(try await admin.sessions(ofAccount: account.accountID, includeEnded: true).isEmpty, "reactivating revives nothing")
            }
            // The account itself still works for a login that starts now.
            let password = change == .passwordChange || change == .passwordChangeKeepingSessions ? "a brand new password" : Self.password
            let fresh = try await server.logIn(username: "ada", password: password, client: ConnectionInfo(ip: "192.0.2.1", userAgent: "tests/1"))
            #expect(try await server.sessions(ofAccount: account.accountID, includeEnded: true).map(\.id) == [fresh.sessionID])
        }
    }
}
