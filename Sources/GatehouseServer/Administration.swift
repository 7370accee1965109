import Foundation
import Gatehouse
import Logging

/// The administrator's operations on a store — what `gatehouse accounts`, `gatehouse sessions` and
/// `gatehouse keys` do — written once here so that the commands stay thin and the operations can be
/// tested without a process.
///
/// Every operation goes through the core ``Accounts`` API (or the store protocols for what that API
/// does not cover), so the rules are the server's rules: the same validation, uniqueness and
/// revocation.
public struct Administration: Sendable {
    /// The accounts layer on the store. It has no signing key: administration never issues tokens.
    public let accounts: Accounts
    /// The store.
    public let store: any GatehouseStore
    let clock: any WallClock

    /// - Parameters:
    ///   - store: The store to work on (running, see ``OpenedStore/withRunningStore(logger:_:)``).
    ///   - passwordHasher: How new passwords are hashed; the default is the server's.
    ///   - clock: What "now" is for creation dates and revocations.
    ///   - logger: Receives the core's log lines.
    public init(
        store: any GatehouseStore,
        passwordHasher: any PasswordHasher = ScryptPasswordHasher(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        var sessions = SessionsOptions()
        sessions.clock = clock
        sessions.logger = logger
        var options = AccountsOptions(sessions: sessions)
        options.passwordHasher = passwordHasher
        options.loginThrottle = nil
        self.accounts = Accounts(store: store, options: options)
        self.store = store
        self.clock = clock
    }

    /// The account with this username, or ``AccountError/Code/userNotFound``.
    public func account(username: String) async throws -> Account {
        guard let account = try await accounts.account(username: username) else {
            throw AccountError.userNotFound
        }
        return account
    }
}
