import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (password hashing) on threads of its own, at most `width` jobs at a time, so
/// that the cooperative thread pool that serves requests is never blocked and a burst of jobs queues
/// up instead of spawning threads without limit.
///
/// The threads are the pool's own rather than Dispatch's: on Linux the cooperative pool is built on
/// Dispatch's worker threads, and CPU-bound jobs there hold threads that request handling would
/// otherwise get. On Linux the threads also run at the lowest scheduling priority by default (nice
/// 19): they get every core nothing else wants, and a request that wakes up takes a core from a hash
/// in progress instead of waiting for it, so a storm of logins slows logins down, not everything
/// else. A thread that has been idle for a few seconds ends; the next job starts a new one.
public final class BoundedWorkPool: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var next = 0
        var threads = 0

        mutating func pop() -> (@Sendable () -> Void)? {
            guard next < jobs.count else { return nil }
            let job = jobs[next]
            next += 1
            if next == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                next = 0
            }
            return job
        }
    }

    /// One less than the number of active processor cores (at least one): a core stays free of hashing,
    /// so requests that arrive during a burst of logins find one without waiting for the scheduler to
    /// preempt a hash.
    public static var defaultWidth: Int { max(1, ProcessInfo.processInfo.activeProcessorCount - 1) }

    /// The nice value of the pool's threads on Linux (0 is normal priority, 19 the lowest). Under a
    /// full load the lowest still gets a small share of the CPU, so queued jobs keep finishing.
    public static let defaultNiceness: Int32 = 19

    /// How many jobs may run at once.
    public let width: Int
    private let label: String
    private let niceness: Int32
    private let idleTimeout: DispatchTimeInterval
    private let state = Mutex(State())
    /// One signal per queued job.
    private let available = DispatchSemaphore(value: 0)

    public init(width: Int, label: String, niceness: Int32 = BoundedWorkPool.defaultNiceness) {
        self.width = max(1, width)
        self.label = label
        self.niceness = niceness
        self.idleTimeout = .seconds(5)
    }

    /// Runs `work` on the pool and returns its result.
    public func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            enqueue { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        let startThread = state.withLock { state -> Bool in
            state.jobs.append(job)
            guard state.threads < width else { return false }
            state.threads += 1
            return true
        }
        available.signal()
        if startThread {
            let thread = Thread { [self] in work() }
            thread.name = label
            thread.start()
        }
    }

    private func work() {
        #if os(Linux)
        // On Linux the nice value belongs to the thread, and `who == 0` names the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
        while true {
            if available.wait(timeout: .now() + idleTimeout) == .timedOut {
                // Under the lock no job can be queued without this thread seeing it: either one is
                // waiting (keep going) or the count drops and the next job starts a new thread.
                let exit = state.withLock { state -> Bool in
                    guard state.next >= state.jobs.count else { return false }
                    state.threads -= 1
                    return true
                }
                if exit { return }
                continue
            }
            if let job = state.withLock({ $0.pop() }) { job() }
        }
    }
}
