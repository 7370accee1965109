import Foundation
import Gatehouse
import Logging
import ServiceLifecycle
import Testing

@testable import GatehouseSQLite

/// WAL checkpoints: inside the commit that passes the threshold, as SQLite does by default, or on the
/// checkpointer's own thread while an `SQLiteCheckpointer` runs.
@Suite("SQLite checkpointer", .timeLimit(.minutes(2)))
struct SQLiteCheckpointerTests {
    /// Enough sessions with long user agents (each row spills into overflow pages) to write well past
    /// the 1,000-page threshold, one transaction per session.
    static func writeManyPages(_ store: SQLiteStore, of account: AccountRecord, prefix: String) async throws {
        let agent = String(repeating: "a", count: 8_192)
        for index in 0..<300 {
            var session = Fixture.session("\(prefix)-\(index)", of: account, hash: 1, at: index)
            session.userAgent = agent
            try await store.insertSession(session, requiringAccountEpoch: 0)
        }
    }

    /// Runs a checkpointer for `store` in a service group of its own, until the group shuts down.
    static func startCheckpointer(for store: SQLiteStore) -> (group: ServiceGroup, running: Task<Void, any Error>) {
        let group = ServiceGroup(
            configuration: .init(
                services: [SQLiteCheckpointer(store: store, logger: testLogger)],
                gracefulShutdownSignals: [],
                logger: testLogger
            )
        )
        return (group, Task { try await group.run() })
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        while !condition() { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test("Without a checkpointer, the commit that passes the threshold checkpoints itself")
    func inlineByDefault() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, logger: testLogger)
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await Self.writeManyPages(store, of: alice, prefix: "s")
            let counts = try #require(store.walCheckpointCounts)
            #expect(counts.inline >= 1)
            #expect(counts.signalled == 0 && counts.background == 0)
            #expect(try await store.integrityCheck() == ["ok"])
        }
    }

    @Test("While a checkpointer runs, commits leave checkpoints to it; after it stops they take them again")
    func backgroundWhileRunning() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, logger: testLogger)
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let (group, running) = Self.startCheckpointer(for: store)
            try await Self.waitUntil { store.hasRunningCheckpointer }

            try await Self.writeManyPages(store, of: alice, prefix: "during")
            try await Self.waitUntil { (store.walCheckpointCounts?.background ?? 0) >= 1 }
            let during = try #require(store.walCheckpointCounts)
            #expect(during.inline == 0)
            #expect(during.signalled >= 1)

            await group.triggerGracefulShutdown()
            try await running.value
            #expect(!store.hasRunningCheckpointer)
            try await Self.writeManyPages(store, of: alice, prefix: "after")
            #expect(try #require(store.walCheckpointCounts).inline >= 1)

            #expect(try await store.sessions(accountID: alice.accountID, includeInvalid: true).count == 600)
            #expect(try await store.integrityCheck() == ["ok"])
        }
    }

    @Test("A checkpointer is signalled once the log passes the threshold, then once per step it grows, and again after a restart")
    func signalsPerStep() {
        let checkpoints = WALCheckpoints()
        let threshold = WALCheckpoints.threshold
        let step = WALCheckpoints.signalStep
        #expect(checkpoints.action(afterCommitLeaving: threshold) == .inline, "no checkpointer yet: SQLite's rule")

        let (_, continuation) = AsyncStream.makeStream(of: Void.self)
        checkpoints.handOver(to: continuation)
        let sizes: [Int32] = [
            threshold - 1, threshold, threshold + 3, threshold + step - 1, threshold + step, threshold + step + 1, 12, threshold + 5,
        ]
        let actions = sizes.map { checkpoints.action(afterCommitLeaving: $0) }
        #expect(actions == [.none, .signal, .none, .none, .signal, .none, .none, .signal])
        #expect(checkpoints.counts == WALCheckpointCounts(inline: 1, signalled: 3, background: 0))

        checkpoints.takeBack()
        #expect(checkpoints.action(afterCommitLeaving: threshold + 2 * step) == .inline)
        checkpoints.handOver(to: continuation)
        #expect(checkpoints.action(afterCommitLeaving: threshold + 2 * step) == .signal, "a new checkpointer hears of the long log at once")
    }

    @Test("Past the catch-up threshold, the commit right after a checkpoint that left few frames catches up")
    func catchUpAfterCheckpoint() {
        let checkpoints = WALCheckpoints()
        let threshold = WALCheckpoints.threshold
        let catchUpThreshold = WALCheckpoints.catchUpThreshold
        let tail = WALCheckpoints.catchUpTail
        let step = WALCheckpoints.signalStep
        let (_, continuation) = AsyncStream.makeStream(of: Void.self)
        checkpoints.handOver(to: continuation)
        #expect(checkpoints.action(afterCommitLeaving: catchUpThreshold) == .signal, "no checkpoint done yet to catch up on")

        checkpoints.checkpointedInBackground(leaving: tail)
        #expect(checkpoints.action(afterCommitLeaving: catchUpThreshold + 2) == .catchUp)
        #expect(checkpoints.action(afterCommitLeaving: catchUpThreshold + 3) == .none, "only the commit right after the checkpoint")
        checkpoints.checkpointedInBackground(leaving: tail + 1)
        #expect(checkpoints.action(afterCommitLeaving: catchUpThreshold + 4) == .none, "too much left to copy inside a commit")
        checkpoints.checkpointedInBackground(leaving: 0)
        #expect(checkpoints.action(afterCommitLeaving: 40) == .none, "the log restarted")
        #expect(checkpoints.action(afterCommitLeaving: catchUpThreshold + step) == .signal)
        checkpoints.checkpointedInBackground(leaving: 0)
        #expect(checkpoints.action(afterCommitLeaving: threshold + 1) == .signal, "under the catch-up threshold the checkpointer copies alone")
        #expect(checkpoints.counts == WALCheckpointCounts(inline: 0, signalled: 3, background: 4, caughtUp: 1))

        checkpoints.checkpointedInBackground(leaving: 0)
        checkpoints.takeBack()
        #expect(checkpoints.action(afterCommitLeaving: threshold + 2 * step) == .inline, "without a checkpointer: SQLite's rule")
        checkpoints.handOver(to: continuation)
        #expect(checkpoints.action(afterCommitLeaving: threshold + 2 * step) == .signal, "a new checkpointer starts with a signal")
    }

    @Test("While a checkpointer runs under a steady stream of commits and reads, the log restarts instead of growing")
    func logStaysBounded() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let store = try SQLiteStore(path: path, logger: testLogger)
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let (group, running) = Self.startCheckpointer(for: store)
            try await Self.waitUntil { store.hasRunningCheckpointer }

            let writing = Task {
                for round in 0..<6 { try await Self.writeManyPages(store, of: alice, prefix: "r\(round)") }
            }
            // Short reads all along, as requests make them, each on a snapshot of the log.
            try await store.insertSession(Fixture.session("read", of: alice, hash: 1, at: 0), requiringAccountEpoch: 0)
            let reading = Task {
                while !Task.isCancelled {
                    _ = try await store.sessionWithAccount(id: "read")
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            try await writing.value
            reading.cancel()
            _ = try? await reading.value

            let counts = try #require(store.walCheckpointCounts)
            #expect(counts.background >= 1)
            #expect(counts.caughtUp >= 1)
            // Six rounds write over 13,000 pages; a log that never restarted would hold them all.
            let walPages = try #require(FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) / 4_096
            #expect(walPages < 2 * Int(WALCheckpoints.catchUpThreshold))

            await group.triggerGracefulShutdown()
            try await running.value
            #expect(try await store.sessions(accountID: alice.accountID, includeInvalid: true).count == 1_801)
            #expect(try await store.integrityCheck() == ["ok"])
        }
    }

    @Test("For an in-memory store the checkpointer only waits for shutdown")
    func inMemory() async throws {
        let store = try SQLiteStore.inMemory(logger: testLogger)
        #expect(store.walCheckpointCounts == nil)
        let (group, running) = Self.startCheckpointer(for: store)
        try await Task.sleep(for: .milliseconds(20))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(!store.hasRunningCheckpointer)
    }
}
