import Gatehouse
import Logging
import ServiceLifecycle

/// A store opened by ``StoreOpener``, with where it is.
///
/// What the store needs running (a PostgreSQL connection pool, an SQLite WAL checkpointer) comes from
/// the store itself (`GatehouseStore.backgroundServices(logger:)`): ``withRunningStore(_:)`` runs it for
/// one-shot work such as the admin commands; a server runs it in its `ServiceGroup` instead.
public struct OpenedStore: Sendable {
    /// The store.
    public let store: any GatehouseStore
    /// Where the store is (printable: passwords are masked).
    public let location: DatabaseLocation

    public init(store: any GatehouseStore, location: DatabaseLocation) {
        self.store = store
        self.location = location
    }

    /// Brings the schema up to date; a no-op when it is. Needs the store's services running.
    public func migrate() async throws {
        try await store.migrate()
    }

    /// Runs `body` with the store working: starts its background services for the duration of the
    /// call, and stops them afterwards, whether `body` returns or throws.
    public func withRunningStore<Result: Sendable>(logger: Logger, _ body: (any GatehouseStore) async throws -> Result) async throws -> Result {
        let services = store.backgroundServices(logger: logger)
        guard !services.isEmpty else { return try await body(store) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await service.run() }
            }
            do {
                let result = try await body(store)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
