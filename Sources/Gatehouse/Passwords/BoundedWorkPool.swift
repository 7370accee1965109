import Dispatch
import class Foundation.ProcessInfo
import Synchronization

/// Runs blocking work (password hashing) on Dispatch threads, at most `width` jobs at a time, so that
/// the cooperative thread pool that serves requests is never blocked and a burst of jobs queues up
/// instead of spawning threads without limit.
public final class BoundedWorkPool: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Defaults to the number of active processor cores.
    public static var defaultWidth: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    private let state: Mutex<State>
    private let queue: DispatchQueue

    public init(width: Int, label: String) {
        state = Mutex(State(available: max(1, width)))
        queue = DispatchQueue(label: label, attributes: .concurrent)
    }

    /// Runs `work` on the pool and returns its result.
    public func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Swift.Result { try work() })
            }
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

