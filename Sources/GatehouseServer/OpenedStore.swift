import Gatehouse
import ServiceLifecycle

/// A store opened by ``StoreOpener``, with what it takes to run it.
///
/// A PostgreSQL store only works while its connection pool runs (``service``); the SQLite store
/// needs nothing running. ``withRunningStore(_:)`` hides the difference for one-shot work such as the
/// admin commands; a server runs ``service`` in its `ServiceGroup` instead.
public struct OpenedStore: Sendable {
    /// The store.
    public let store: any GatehouseStore
    /// What must run for the store to work, if anything.
    public let service: (any Service)?
    /// Where the store is (printable: passwords are masked).
    public let location: DatabaseLocation
    private let migration: @Sendable () async throws -> Void

    public init(store: any GatehouseStore, service: (any Service)?, location: DatabaseLocation, migrate: @escaping @Sendable () async throws -> Void) {
        self.store = store
        self.service = service
        self.location = location
        self.migration = migrate
    }

    /// Brings the schema up to date; a no-op when it is. Needs ``service`` running.
    public func migrate() async throws {
        try await migration()
    }

    /// Runs `body` with the store working: starts ``service`` for the duration of the call when
    /// there is one, and stops it afterwards, whether `body` returns or throws.
    public func withRunningStore<Result: Sendable>(_ body: (any GatehouseStore) async throws -> Result) async throws -> Result {
        guard let service else { return try await body(store) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
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
