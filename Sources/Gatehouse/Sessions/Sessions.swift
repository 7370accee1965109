import Logging
import Synchronization

/// Signed auth tokens bound to a stored session and a device, renewed as requests come in, with
/// rotation that tells a browser's parallel requests from a stolen token.
///
/// The native API returns its results as values:
///
/// ```swift
/// let sessions = Sessions(options: SessionsOptions(keyRing: ring), store: store)
/// let client = ConnectionInfo(ip: "203.0.113.7", userAgent: "Mozilla/5.0")
/// let login = try await sessions.startSession(for: account, client: client)
/// // On every later request:
/// if let auth = try await sessions.authenticate(token: presented, client: client) {
///     print(auth.account.username)
///     if auth.isRenewed { /* send auth.token back to the client */ }
/// }
/// try await sessions.revokeSessions(.session(id: login.session.id, accountID: login.account.accountID))
/// ```
///
/// The Powership API (``handleRequest(_:)``, ``trySetSession(_:)``, ``refreshTokens(_:)``,
/// ``upsertRefreshTokenAndSessionDocument(_:request:)``, ``logout(authToken:request:)``,
/// ``invalidateSessions(_:accountID:request:)`` and the ``hooks``) is a layer over it that reads and writes
/// a shared ``SessionRequest``.
public final class Sessions: Sendable {
    /// The configuration this instance runs with.
    public let options: SessionsOptions
    /// Where sessions are stored.
    public let store: any SessionStore
    /// The Powership hook chains: ``SessionHooks/onRequest``, ``SessionHooks/onRefreshTokens`` and
    /// ``SessionHooks/onUpsertSessionError``.
    public let hooks = SessionHooks()
    /// Runs when a superseded token is replayed and its session is revoked, with the client that
    /// replayed it as context.
    public let onTokenTheft = AsyncPlugin<TokenTheftEvent, ConnectionInfo>(name: "onTokenTheft")

    package let rules: RotationRules
    /// The per-request secret supplier, replaceable at run time (``getTokenSecret``).
    let secretSupplier: Mutex<(@Sendable (SessionRequest) async throws -> String)?>
    /// The key derived from the supplier's last secret, so that an unchanged secret is not re-keyed.
    let derivedKey = Mutex<(secret: String, key: SigningKey)?>(nil)

    public init(options: SessionsOptions, store: any SessionStore) {
        self.options = options
        self.store = store
        self.secretSupplier = Mutex(options.getTokenSecret)
        self.rules = RotationRules(gracePeriod: options.gracePeriod, renewal: options.renewal, activityResolution: options.activityResolution)
    }
}
