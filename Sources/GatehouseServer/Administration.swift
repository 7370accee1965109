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
    ///   - webhookEndpoints: Where the audit events of the changes are announced (none by default).
    ///   - logger: Receives the core's log lines.
    ///
    /// Changes are recorded in the audit log as an operator's.
    public init(
        store: any GatehouseStore,
        passwordHasher: any PasswordHasher = ScryptPasswordHasher(),
        clock: any WallClock = SystemWallClock(),
        webhookEndpoints: [String] = [],
        logger: Logger
    ) {
        var sessions = SessionsOptions()
        sessions.clock = clock
        sessions.logger = logger
        sessions.auditLog = AuditLog(webhookEndpoints: webhookEndpoints, defaultActor: .operator)
        var options = AccountsOptions(sessions: sessions)
        options.passwordHasher = passwordHasher
        options.loginThrottle = nil
        self.accounts = Accounts(store: store, options: options)
        self.store = store
        self.clock = clock
    }

    var auditLog: AuditLog { accounts.options.sessions.auditLog }

    /// The webhook endpoints of `GATEHOUSE_WEBHOOK_URLS` in `environment` (comma-separated), for the
    /// admin commands to announce their changes where the server announces its own; none when unset.
    ///
    /// - Throws: ``ServerConfigurationError`` naming the variable for a value that is not an absolute
    ///   `http://` or `https://` URL.
    public static func webhookEndpoints(environment: [String: String]) throws -> [String] {
        let key = ServerConfiguration.EnvironmentKey.webhookURLs
        guard let value = environment[key] else { return [] }
        var endpoints: [String] = []
        for item in value.split(separator: ",") {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let endpoint = ServerConfiguration.webhookEndpoint(text) else {
                throw ServerConfigurationError(
                    "invalid \(key): every value must be an absolute http:// or https:// URL without a user name or password"
                )
            }
            if !endpoints.contains(endpoint) { endpoints.append(endpoint) }
        }
        return endpoints
    }
    var random: any RandomSource { accounts.options.sessions.random }

    /// The account with this username, or ``AccountError/Code/userNotFound``.
    public func account(username: String) async throws -> Account {
        guard let account = try await accounts.account(username: username) else {
            throw AccountError.userNotFound
        }
        return account
    }
}
