import Logging
import ServiceLifecycle

/// Everything Gatehouse stores, with the store's own lifecycle: what `gatehouse serve` and the admin
/// commands need to run any store without knowing which one it is.
///
/// A third-party store conforms to the ten record protocols and, where it needs them, implements
/// ``migrate()`` and ``backgroundServices(logger:)``; the checks of the `GatehouseTesting` library
/// tell whether it keeps every rule the built-in stores keep.
public protocol GatehouseStore: AccountStore, SessionStore, TokenStore, SigningKeyStore, ThrottleStore, OutboxStore, AuditStore, IdentityStore,
    SecondFactorStore, PasskeyStore
{
    /// Brings the schema up to date; a no-op when it is. Safe to call from several processes at once.
    /// Needs the store's background services running (a connection pool, say).
    func migrate() async throws

    /// The services that must run while the store is in use — a connection pool, a WAL checkpointer —
    /// made anew on each call: run each returned service once, in the same `ServiceGroup` as the
    /// server, before anything uses the store.
    func backgroundServices(logger: Logger) -> [any Service]
}

extension GatehouseStore {
    /// No schema to migrate.
    public func migrate() async throws {}

    /// Nothing needs to run.
    public func backgroundServices(logger: Logger) -> [any Service] { [] }
}
