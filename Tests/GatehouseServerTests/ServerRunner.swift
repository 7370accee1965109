import Gatehouse
import GatehouseServer
import ServiceLifecycle
import Testing

/// Runs `gatehouse serve`'s service group (store service, if any, then the server) until `body`
/// is done, then shuts it down gracefully and checks that it stopped without error.
func runServer<Result: Sendable>(
    _ configuration: ServerConfiguration,
    _ body: @escaping @Sendable (Int) async throws -> Result
) async throws -> Result {
    let opened = try StoreOpener.open(configuration.database, sqliteDurability: configuration.sqliteDurability, logger: quietLogger)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let server = ServerService(configuration: configuration, store: opened, logger: quietLogger, passwordHasher: cheapHasher) { address in
        #expect(address.host == "127.0.0.1")
        continuation.yield(address.port)
    }
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(services: opened.store.backgroundServices(logger: quietLogger) + [server], logger: quietLogger)
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // The group ended before the server listened: its error says why.
            try await tasks.waitForAll()
            throw ServerDidNotStart()
        }
        #expect(port > 0)
        do {
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
    }
}

struct ServerDidNotStart: Error {}
