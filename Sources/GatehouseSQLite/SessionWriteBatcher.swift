import Gatehouse
import Synchronization

/// Group commit for session writes: concurrent callers of ``submit(_:)`` share one write transaction.
///
/// There is no background task. The first caller to find no commit in progress becomes the *leader*:
/// it takes its own updates plus whatever other callers queued meanwhile (up to ``maxBatchSize``
/// updates), commits them in one transaction, and resumes every caller of that batch with its own
/// slice of the results — or with the error, when the transaction failed. While a leader commits,
/// new callers queue up; when the leader is done it hands leadership to the first queued caller,
/// which commits the next batch including its own updates. So every caller does at most one batch of
/// work, no caller waits on more than the batch in progress plus its own, and a caller is only resumed
/// after the transaction holding its updates has committed (or failed).
///
/// One caller's updates are never split across transactions: a call larger than ``maxBatchSize``
/// commits alone. Cancelling a caller does not abandon its write; its result still arrives, because
/// the others in its batch depend on the same transaction.
package final class SessionWriteBatcher: Sendable {
    /// Commits updates in one transaction and returns, per update and in order, whether it applied.
    package typealias Commit = @Sendable ([SessionUpdate]) async throws -> [Bool]

    private enum Wakeup: Sendable {
        /// The caller's batch committed; these are its results.
        case committed([Bool])
        /// The caller is the new leader and commits its own updates.
        case lead
    }

    private struct Waiter {
        var updates: [SessionUpdate]
        var continuation: CheckedContinuation<Wakeup, any Error>
    }

    private struct State {
        var leaderActive = false
        var waiters: [Waiter] = []
    }

    /// The most updates one transaction carries (a single larger call still goes through, alone).
    package let maxBatchSize: Int
    private let commit: Commit
    private let state = Mutex(State())

    package init(maxBatchSize: Int = 256, commit: @escaping Commit) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.commit = commit
    }

    /// How many callers are queued behind the batch in progress.
    package var waitingCount: Int {
        state.withLock { $0.waiters.count }
    }

    /// Commits `updates` in the next transaction, together with those of concurrent callers.
    package func submit(_ updates: [SessionUpdate]) async throws -> [Bool] {
        guard !updates.isEmpty else { return [] }
        let leads = state.withLock { state in
            if state.leaderActive { return false }
            state.leaderActive = true
            return true
        }
        if !leads {
            let wakeup = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Wakeup, any Error>) in
                // Checked again under the lock: the leader may have finished since the first check, and
                // then nobody would ever resume this caller.
                let queued = state.withLock { state in
                    if state.leaderActive {
                        state.waiters.append(Waiter(updates: updates, continuation: continuation))
                        return true
                    }
                    state.leaderActive = true
                    return false
                }
                if !queued { continuation.resume(returning: .lead) }
            }
            if case .committed(let results) = wakeup { return results }
        }
        return try await lead(with: updates)
    }

    /// Commits the leader's updates and a batch of queued ones, resumes their callers, then passes on
    /// leadership.
    private func lead(with own: [SessionUpdate]) async throws -> [Bool] {
        let followers = state.withLock { state in
            var total = own.count
            var taken = 0
            for waiter in state.waiters {
                guard total + waiter.updates.count <= maxBatchSize else { break }
                total += waiter.updates.count
                taken += 1
            }
            let batch = Array(state.waiters.prefix(taken))
            state.waiters.removeFirst(taken)
            return batch
        }
        defer { handOff() }

        var all = own
        for follower in followers { all.append(contentsOf: follower.updates) }
        let results: [Bool]
        do {
            results = try await commit(all)
            guard results.count == all.count else {
                throw AccountError.storeUnavailable()
            }
        } catch {
            for follower in followers { follower.continuation.resume(throwing: error) }
            throw error
        }
        var start = own.count
        for follower in followers {
            let end = start + follower.updates.count
            follower.continuation.resume(returning: .committed(Array(results[start..<end])))
            start = end
        }
        return Array(results[0..<own.count])
    }

    private func handOff() {
        let next = state.withLock { state -> Waiter? in
            guard !state.waiters.isEmpty else {
                state.leaderActive = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
    }
}
