import Synchronization

/// Groups the work of concurrent callers into batches: the session writes of concurrent rotations
/// share one transaction, the session reads of concurrent requests one query.
///
/// There is no background task. A caller that finds no batch in progress becomes a *leader*: it takes
/// its own items plus whatever other callers queued meanwhile (up to ``maxBatchSize`` items), performs
/// them in one batch with its own `perform`, and resumes every caller of that batch with its own slice
/// of the outcomes — or with the error, when the batch failed. While a batch is in progress, new callers
/// queue up; once ``concurrentBatchThreshold`` items wait, a further batch starts alongside (up to
/// ``maxConcurrentBatches``), led by the oldest queued caller. A leader that is done hands its slot to
/// the first queued caller, which performs the next batch including its own items. So every caller does
/// at most one batch of work, no caller waits on more than the batches in progress plus its own, a
/// caller is only resumed once the batch holding its items is done, and a batch's leader is the caller
/// of that batch that has waited longest (so a deadline the leader keeps holds for every caller in it).
///
/// One caller's items are never split across batches: a call larger than ``maxBatchSize`` runs alone.
/// Cancelling a caller does not abandon its items; their outcome still arrives, because the others in
/// its batch depend on the same work.
package final class WorkBatcher<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Performs a batch and returns, per item and in order, its outcome.
    package typealias Perform = @Sendable ([Item]) async throws -> [Outcome]

    private enum Wakeup: Sendable {
        /// The caller's batch is done; these are its outcomes.
        case done([Outcome])
        /// The caller takes over a slot and performs its own items.
        case lead
    }

    /// A queued caller. A reference: the queue is walked, sliced and handed over several times per
    /// batch, and copying a reference costs one retain where this generic struct cost a call per copy.
    private final class Waiter: Sendable {
        let items: [Item]
        let continuation: CheckedContinuation<Wakeup, any Error>

        init(items: [Item], continuation: CheckedContinuation<Wakeup, any Error>) {
            self.items = items
            self.continuation = continuation
        }
    }

    private struct State {
        var activeLeaders = 0
        /// Only ever non-empty while a batch is in progress.
        var waiters: [Waiter] = []
        /// How many items the waiters hold.
        var waitingItems = 0

        /// What a caller arriving with `count` items does: leads a batch of its own at once, opens
        /// another slot for the queue's oldest caller, or waits.
        mutating func arrival(of count: Int, maxConcurrentBatches: Int, threshold: Int) -> Arrival {
            guard activeLeaders < maxConcurrentBatches, activeLeaders == 0 || waitingItems + count >= threshold else {
                return .waits
            }
            activeLeaders += 1
            return waiters.isEmpty ? .leads : .opensSlotForOldest
        }

        mutating func append(_ waiter: Waiter) {
            waiters.append(waiter)
            waitingItems += waiter.items.count
        }

        mutating func removeFirst(_ count: Int) -> [Waiter] {
            let removed = Array(waiters.prefix(count))
            waiters.removeFirst(count)
            for waiter in removed { waitingItems -= waiter.items.count }
            return removed
        }

        mutating func removeOldest() -> Waiter {
            let oldest = waiters.removeFirst()
            waitingItems -= oldest.items.count
            return oldest
        }
    }

    private enum Arrival {
        case leads
        case opensSlotForOldest
        case waits
    }

    /// The most items one batch carries (a single larger call still goes through, alone).
    package let maxBatchSize: Int
    /// How many batches may be in progress at once.
    package let maxConcurrentBatches: Int
    private let state = Mutex(State())

    /// How many items must be waiting, a new caller's included, before a batch starts alongside those
    /// in progress. Below it, callers wait for a batch in progress to finish and then go together:
    /// fewer, larger batches cost less per item, and a further batch only pays off once enough wait.
    package let concurrentBatchThreshold: Int

    package init(maxBatchSize: Int = 256, maxConcurrentBatches: Int = 1, concurrentBatchThreshold: Int = 1) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxConcurrentBatches = max(1, maxConcurrentBatches)
        self.concurrentBatchThreshold = max(1, concurrentBatchThreshold)
    }

    /// How many callers are queued behind the batches in progress.
    package var waitingCount: Int {
        state.withLock { $0.waiters.count }
    }

    /// Performs `items` in the next batch, together with those of concurrent callers. When this caller
    /// leads the batch, `perform` does the work of all of them.
    package func submit(_ items: [Item], perform: Perform) async throws -> [Outcome] {
        guard !items.isEmpty else { return [] }
        let leads = state.withLock { state in
            // Only the case that needs no continuation: with callers queued, a slot goes to the oldest.
            guard state.waiters.isEmpty else { return false }
            return state.arrival(of: items.count, maxConcurrentBatches: maxConcurrentBatches, threshold: concurrentBatchThreshold) == .leads
        }
        if !leads {
            let wakeup = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Wakeup, any Error>) in
                // Decided again under the lock: a leader may have finished since the first check, and
                // then nobody would ever resume this caller.
                let waiter = Waiter(items: items, continuation: continuation)
                let resumed = state.withLock { state -> Waiter? in
                    switch state.arrival(of: items.count, maxConcurrentBatches: maxConcurrentBatches, threshold: concurrentBatchThreshold) {
                    case .leads:
                        return waiter
                    case .opensSlotForOldest:
                        state.append(waiter)
                        return state.removeOldest()
                    case .waits:
                        state.append(waiter)
                        return nil
                    }
                }
                resumed?.continuation.resume(returning: .lead)
            }
            if case .done(let outcomes) = wakeup { return outcomes }
        }
        return try await lead(with: items, perform: perform)
    }

    /// Performs the leader's items and a batch of queued ones, resumes their callers, then passes on
    /// the slot.
    private func lead(with own: [Item], perform: Perform) async throws -> [Outcome] {
        let followers = state.withLock { state in
            var total = own.count
            var taken = 0
            for waiter in state.waiters {
                guard total + waiter.items.count <= maxBatchSize else { break }
                total += waiter.items.count
                taken += 1
            }
            return state.removeFirst(taken)
        }
        defer { handOff() }

        var all = own
        for follower in followers { all.append(contentsOf: follower.items) }
        let outcomes: [Outcome]
        do {
            outcomes = try await perform(all)
            guard outcomes.count == all.count else {
                throw AccountError.storeUnavailable()
            }
        } catch {
            for follower in followers { follower.continuation.resume(throwing: error) }
            throw error
        }
        var start = own.count
        for follower in followers {
            let end = start + follower.items.count
            follower.continuation.resume(returning: .done(Array(outcomes[start..<end])))
            start = end
        }
        return Array(outcomes[0..<own.count])
    }

    private func handOff() {
        let next = state.withLock { state -> Waiter? in
            guard !state.waiters.isEmpty else {
                state.activeLeaders -= 1
                return nil
            }
            return state.removeOldest()
        }
        next?.continuation.resume(returning: .lead)
    }
}
