import Synchronization

/// The result of a ``PostgresOperation`` for the request waiting on it: set once, by whichever comes
/// first — the operation, the request's deadline or its cancellation.
final class PostgresOperationOutcome<Value: Sendable>: Sendable {
    private enum State {
        case pending(CheckedContinuation<Value, any Error>?)
        case settled(Result<Value, any Error>)
        case delivered
    }

    private let state = Mutex(State.pending(nil))

    /// Settles the outcome, unless it is settled already.
    func settle(_ result: Result<Value, any Error>) {
        let waiting: CheckedContinuation<Value, any Error>? = state.withLock { state in
            guard case .pending(let continuation) = state else { return nil }
            if let continuation {
                state = .delivered
                return continuation
            }
            state = .settled(result)
            return nil
        }
        waiting?.resume(with: result)
    }

    /// Waits for the outcome.
    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let settled: Result<Value, any Error>? = state.withLock { state in
                switch state {
                case .pending:
                    state = .pending(continuation)
                    return nil
                case .settled(let result):
                    state = .delivered
                    return result
                case .delivered:
                    return .failure(CancellationError())
                }
            }
            if let settled { continuation.resume(with: settled) }
        }
    }
}
