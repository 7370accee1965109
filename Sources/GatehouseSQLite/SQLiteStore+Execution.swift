import GRDB
import Gatehouse

extension SQLiteStore {
    /// Runs `body` on a reader connection; failures come out as ``AccountError``.
    func read<T: Sendable>(_ operation: StaticString, _ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw SQLiteFailure.translate(error, operation: operation, logger: logger)
        }
    }

    /// Runs `body` in one write transaction, rolled back when it throws; failures come out as
    /// ``AccountError``.
    func write<T: Sendable>(_ operation: StaticString, _ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw SQLiteFailure.translate(error, operation: operation, logger: logger)
        }
    }
}
