import Gatehouse
import Synchronization
import Testing

/// Batching of concurrent callers, driven by a scripted commit function so that the batches are
/// deterministic: the first commit is held open until every other caller has queued behind it.
@Suite("Work batcher")
struct WorkBatcherTests {
    /// The "applied" answer a scripted commit gives for an update: carried in the update itself, so
    /// each caller can check it got its own slice of a shared batch back.
    static func update(_ id: String, applies: Bool) -> SessionUpdate {
        var update = Fixture.rotation(of: id, from: 1, to: 2)
        update.currentPresented = applies
        return update
    }

    struct Failure: Error, Equatable {}

    /// Records each committed batch; holds the first one until `open()`; fails batches holding a
    /// session id starting with "fail".
    final class ScriptedCommit: Sendable {
        private let batches = Mutex<[[String]]>([])
        private let gate: AsyncStream<Void>
        private let opener: AsyncStream<Void>.Continuation

        init() {
            (gate, opener) = AsyncStream.makeStream(of: Void.self)
        }

        var committed: [[String]] { batches.withLock { $0 } }

        func open() { opener.finish() }

        func callAsFunction(_ updates: [SessionUpdate]) async throws -> [Bool] {
            let isFirst = batches.withLock { batches in
                batches.append(updates.map(\.sessionID))
                return batches.count == 1
            }
            if isFirst { for await _ in gate {} }
            if updates.contains(where: { $0.sessionID.hasPrefix("fail") }) { throw Failure() }
            return updates.map(\.currentPresented)
        }
    }

    /// Starts `leader` and waits until its commit is in progress, then starts `followers` and waits
    /// until all of them are queued, then lets the commits run; returns each caller's outcome by name.
    static func run(
        _ batcher: WorkBatcher<SessionUpdate, Bool>,
        _ commit: ScriptedCommit,
        leader: [SessionUpdate],
        followers: [String: [SessionUpdate]]
    ) async -> [String: Result<[Bool], Failure>] {
        await withTaskGroup(of: (String, Result<[Bool], Failure>).self) { group in
            @Sendable func submit(_ name: String, _ updates: [SessionUpdate]) async -> (String, Result<[Bool], Failure>) {
                do { return (name, .success(try await batcher.submit(updates) { try await commit($0) })) } catch {
                    return (name, .failure(Failure()))
                }
            }
            group.addTask { await submit("leader", leader) }
            await Self.eventually { !commit.committed.isEmpty }
            for (name, updates) in followers.sorted(by: { $0.key < $1.key }) {
                group.addTask { await submit(name, updates) }
                // Queue them in name order, so the batches they form are known.
                await Self.eventually { batcher.waitingCount >= followers.keys.sorted().firstIndex(of: name)! + 1 }
            }
            commit.open()
            var outcomes: [String: Result<[Bool], Failure>] = [:]
            for await (name, outcome) in group { outcomes[name] = outcome }
            return outcomes
        }
    }

    @Test("Callers queued behind a commit share the next transaction, each getting its own results")
    func coalesces() async throws {
        let commit = ScriptedCommit()
        let batcher = WorkBatcher<SessionUpdate, Bool>(maxBatchSize: 256)
        var followers: [String: [SessionUpdate]] = [:]
        for index in 0..<9 {
            let name = "f\(index)"
            followers[name] = [Self.update("\(name)-a", applies: index % 2 == 0), Self.update("\(name)-b", applies: index % 3 == 0)]
        }

        let outcomes = await Self.run(batcher, commit, leader: [Self.update("leader", applies: true)], followers: followers)

        #expect(commit.committed.count == 2)
        #expect(commit.committed.first == ["leader"])
        #expect(commit.committed.last?.count == 18)
        #expect(try outcomes["leader"]?.get() == [true])
        for index in 0..<9 {
            #expect(try outcomes["f\(index)"]?.get() == [index % 2 == 0, index % 3 == 0])
        }
        #expect(batcher.waitingCount == 0)
    }

    @Test("A batch never exceeds the bound, and one caller's updates are never split")
    func bounded() async throws {
        let commit = ScriptedCommit()
        let batcher = WorkBatcher<SessionUpdate, Bool>(maxBatchSize: 4)
        var followers: [String: [SessionUpdate]] = [:]
        for index in 0..<6 {
            followers["f\(index)"] = (0..<(index == 2 ? 3 : 1)).map { Self.update("f\(index)-\($0)", applies: true) }
        }
        followers["f6"] = (0..<5).map { Self.update("f6-\($0)", applies: false) }

        let outcomes = await Self.run(batcher, commit, leader: [Self.update("leader", applies: true)], followers: followers)

        // Queued: f0 (1), f1 (1), f2 (3), f3 (1), f4 (1), f5 (1), f6 (5, over the bound).
        #expect(commit.committed.map(\.count) == [1, 2, 4, 2, 5])
        #expect(commit.committed[1] == ["f0-0", "f1-0"])
        #expect(commit.committed[2] == ["f2-0", "f2-1", "f2-2", "f3-0"])
        #expect(try outcomes["f2"]?.get() == [true, true, true])
        #expect(try outcomes["f6"]?.get() == [false, false, false, false, false])
        #expect(outcomes.values.allSatisfy { (try? $0.get()) != nil })
    }

    @Test("A failed transaction fails every caller in it, and only them")
    func errorsPropagate() async throws {
        let commit = ScriptedCommit()
        let batcher = WorkBatcher<SessionUpdate, Bool>(maxBatchSize: 3)
        let followers = [
            "f0": [Self.update("ok-0", applies: true)],
            "f1": [Self.update("fail-1", applies: true)],
            "f2": [Self.update("ok-2", applies: true)],
            "f3": [Self.update("ok-3", applies: false)],
        ]

        let outcomes = await Self.run(batcher, commit, leader: [Self.update("leader", applies: true)], followers: followers)

        #expect(commit.committed == [["leader"], ["ok-0", "fail-1", "ok-2"], ["ok-3"]])
        #expect(try outcomes["leader"]?.get() == [true])
        for name in ["f0", "f1", "f2"] {
            #expect(outcomes[name] == .failure(Failure()))
        }
        #expect(try outcomes["f3"]?.get() == [false])
        // The batcher recovers: the next call becomes leader and commits.
        #expect(try await batcher.submit([Self.update("after", applies: true)]) { try await commit($0) } == [true])
    }

    /// Holds every batch until `open()`, and counts how many are in progress at once.
    final class HeldCommit: Sendable {
        private struct Progress {
            var batches: [[String]] = []
            var inProgress = 0
            var mostInProgress = 0
        }
        private let progress = Mutex(Progress())
        private let gate: AsyncStream<Void>
        private let opener: AsyncStream<Void>.Continuation

        init() {
            (gate, opener) = AsyncStream.makeStream(of: Void.self)
        }

        var batches: [[String]] { progress.withLock { $0.batches } }
        var inProgress: Int { progress.withLock { $0.inProgress } }
        var mostInProgress: Int { progress.withLock { $0.mostInProgress } }

        func open() { opener.finish() }

        func callAsFunction(_ updates: [SessionUpdate]) async throws -> [Bool] {
            progress.withLock { progress in
                progress.batches.append(updates.map(\.sessionID))
                progress.inProgress += 1
                progress.mostInProgress = max(progress.mostInProgress, progress.inProgress)
            }
            for await _ in gate {}
            progress.withLock { $0.inProgress -= 1 }
            return updates.map(\.currentPresented)
        }
    }

    /// Yields until `condition` holds. A batcher that never gets there fails the test rather than
    /// hanging it.
    static func eventually(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async {
        for _ in 0..<1_000_000 {
            if condition() { return }
            await Task.yield()
        }
        Issue.record("the batcher never got there", sourceLocation: sourceLocation)
    }

    /// One caller's single update through `batcher`, committed by `commit`; `nil` when it failed.
    static func submit(
        _ name: String,
        applies: Bool,
        to batcher: WorkBatcher<SessionUpdate, Bool>,
        through commit: HeldCommit
    ) async -> (String, [Bool]?) {
        (name, try? await batcher.submit([update(name, applies: applies)]) { try await commit($0) })
    }

    /// Lets the held batches commit and collects every caller's outcome by name.
    static func outcomes(of group: inout TaskGroup<(String, [Bool]?)>, opening commit: HeldCommit) async -> [String: [Bool]] {
        commit.open()
        var outcomes: [String: [Bool]] = [:]
        for await (name, outcome) in group { outcomes[name] = outcome }
        return outcomes
    }

    @Test("Up to maxConcurrentBatches batches run at once; later callers queue and share the next ones")
    func concurrentBatches() async throws {
        let commit = HeldCommit()
        let batcher = WorkBatcher<SessionUpdate, Bool>(maxBatchSize: 256, maxConcurrentBatches: 2)
        let outcomes = await withTaskGroup(of: (String, [Bool]?).self) { group in
            @Sendable func submit(_ name: String, applies: Bool) async -> (String, [Bool]?) {
                await Self.submit(name, applies: applies, to: batcher, through: commit)
            }
            group.addTask { await submit("a", applies: true) }
            group.addTask { await submit("b", applies: false) }
            await Self.eventually { commit.inProgress >= 2 }
            for index in 0..<6 {
                group.addTask { await submit("f\(index)", applies: index % 2 == 0) }
            }
            await Self.eventually { batcher.waitingCount >= 6 }
            // Both slots are taken, so nobody else has started a batch.
            #expect(commit.batches.count == 2)
            return await Self.outcomes(of: &group, opening: commit)
        }

        #expect(Set(commit.batches.prefix(2)) == [["a"], ["b"]])
        #expect(commit.mostInProgress == 2)
        #expect(commit.batches.dropFirst(2).flatMap { $0 }.sorted() == (0..<6).map { "f\($0)" })
        #expect(commit.batches.count <= 4, "the six queued callers share at most two batches")
        #expect(outcomes["a"] == [true])
        #expect(outcomes["b"] == [false])
        for index in 0..<6 {
            #expect(outcomes["f\(index)"] == [index % 2 == 0])
        }
        #expect(batcher.waitingCount == 0)
    }

    @Test("A further batch starts only once concurrentBatchThreshold items wait, and the oldest caller leads it")
    func concurrentBatchThreshold() async throws {
        let commit = HeldCommit()
        let batcher = WorkBatcher<SessionUpdate, Bool>(maxBatchSize: 256, maxConcurrentBatches: 2, concurrentBatchThreshold: 3)
        let outcomes = await withTaskGroup(of: (String, [Bool]?).self) { group in
            @Sendable func submit(_ name: String, applies: Bool) async -> (String, [Bool]?) {
                await Self.submit(name, applies: applies, to: batcher, through: commit)
            }
            group.addTask { await submit("a", applies: true) }
            await Self.eventually { commit.inProgress >= 1 }
            for (index, name) in ["q0", "q1"].enumerated() {
                group.addTask { await submit(name, applies: false) }
                await Self.eventually { batcher.waitingCount >= index + 1 }
            }
            // A slot is free, but two waiting items are below the threshold: they wait for the batch in progress.
            #expect(commit.batches.count == 1)
            group.addTask { await submit("q2", applies: true) }
            await Self.eventually { commit.inProgress >= 2 }
            #expect(batcher.waitingCount == 0)
            // Both slots are taken now, so the next caller waits whatever the threshold.
            group.addTask { await submit("r", applies: true) }
            await Self.eventually { batcher.waitingCount >= 1 }
            #expect(commit.batches.count == 2)
            return await Self.outcomes(of: &group, opening: commit)
        }

        // The third caller opened the second slot, but the oldest one waiting led that batch.
        #expect(commit.batches == [["a"], ["q0", "q1", "q2"], ["r"]])
        #expect(commit.mostInProgress == 2)
        #expect(outcomes == ["a": [true], "q0": [false], "q1": [false], "q2": [true], "r": [true]])
        #expect(batcher.waitingCount == 0)
    }

    @Test("An empty call commits nothing")
    func emptyCall() async throws {
        let commit = ScriptedCommit()
        commit.open()
        let batcher = WorkBatcher<SessionUpdate, Bool>()
        #expect(try await batcher.submit([]) { try await commit($0) } == [])
        #expect(commit.committed.isEmpty)
    }
}
