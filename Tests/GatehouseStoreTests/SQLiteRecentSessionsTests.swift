import Foundation
import Gatehouse
import Testing

@testable import GatehouseSQLite

/// The sessions an SQLite file store keeps between commits: served again only while no transaction has
/// committed to the file, so a change made through another store on the same file — as another
/// process or the admin CLI would — is seen by the very next lookup.
@Suite("SQLite sessions kept between commits")
struct SQLiteRecentSessionsTests {
    @Test("A session read again with no commit in between is answered without a query")
    func keptUntilCommit() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let store = try SQLiteStore(path: path, logger: testLogger)
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)

            let first = try #require(try await store.sessionWithAccount(id: "s-1"))
            #expect(store.sessionLookupsWithoutQuery == 0)
            for _ in 0..<5 {
                let again = try #require(try await store.sessionWithAccount(id: "s-1"))
                #expect(again.session == first.session)
                #expect(again.account == first.account)
            }
            #expect(store.sessionLookupsWithoutQuery == 5)

            // A commit of this store's own, to an unrelated row, is a commit all the same.
            try await Fixture.create(Fixture.account("bob"), in: store)
            _ = try await store.sessionWithAccount(id: "s-1")
            #expect(store.sessionLookupsWithoutQuery == 5)
            #expect(try await store.sessionWithAccount(id: "unknown") == nil)
            #expect(try await store.sessionWithAccount(id: "unknown") == nil)
            #expect(store.sessionLookupsWithoutQuery == 5, "unknown ids are never kept")
        }
    }

    @Test("Every change committed through another store on the file is seen by the next lookup")
    func changesThroughAnotherStore() async throws {
        try await withServerAndAnotherStore(sessions: ["s-1", "s-2"]) { (server, other, alice) async throws in
            // Rotations by the other store, each read right after it commits, with kept reads between.
            for step in UInt8(1)..<40 {
                #expect(try await server.sessionWithAccount(id: "s-1")?.session.currentHash == Fixture.digest(step))
                #expect(try await server.sessionWithAccount(id: "s-1")?.session.currentHash == Fixture.digest(step))
                #expect(try await other.updateSessions([Fixture.rotation(of: "s-1", from: step, to: step + 1)]) == [true])
                #expect(try await server.sessionWithAccount(id: "s-1")?.session.currentHash == Fixture.digest(step + 1))
            }
            #expect(server.sessionLookupsWithoutQuery >= 39)

            #expect(try await server.sessionWithAccount(id: "s-2")?.account?.deactivated == false)
            #expect(try await other.setDeactivated(accountID: alice.accountID, true, at: Fixture.date(50)))
            #expect(try await server.sessionWithAccount(id: "s-2")?.account?.deactivated == true)

            #expect(try await server.sessionWithAccount(id: "s-2")?.session.valid == true)
            #expect(try await other.revokeSessions(.allSessions(accountID: alice.accountID), reason: .logout, at: Fixture.date(60)) == 2)
            #expect(try await server.sessionWithAccount(id: "s-2")?.session.valid == false)
            #expect(try await server.sessionWithAccount(id: "s-1")?.session.valid == false)
        }
    }

    @Test("Revocations through another store while many lookups run: none is answered from before it")
    func revocationUnderLoad() async throws {
        let ids = (0..<16).map { "s-\($0)" }
        try await withServerAndAnotherStore(sessions: ids) { (server, other, alice) async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for reader in 0..<4 {
                    group.addTask {
                        for round in 0..<400 {
                            _ = try await server.sessionWithAccount(id: ids[(reader + round) % ids.count])
                        }
                    }
                }
                // Each revocation has committed when it returns: a lookup that starts afterwards must see it.
                for id in ids {
                    #expect(try await other.revokeSessions(.session(id: id, accountID: alice.accountID), reason: .logout, at: Fixture.date(10)) == 1)
                    #expect(try await server.sessionWithAccount(id: id)?.session.valid == false)
                }
                try await group.waitForAll()
            }
            for id in ids {
                #expect(try await server.sessionWithAccount(id: id)?.session.valid == false)
            }
        }
    }

    @Test("Sessions this store rotates stay kept across its own commits, exactly as the file holds them")
    func keptAcrossOwnCommits() async throws {
        let ids = (0..<8).map { "s-\($0)" }
        try await withServerAndAnotherStore(sessions: ids) { (server, other, alice) async throws in
            for id in ids { _ = try await server.sessionWithAccount(id: id) }

            var step = [String: UInt8](uniqueKeysWithValues: ids.map { ($0, 1) })
            for round in 0..<20 {
                // One batch: half the sessions rotated, at times finer than the file keeps or at the
                // commit time, and one compare-and-swap that loses.
                var updates: [SessionUpdate] = []
                for (index, id) in ids.enumerated() where (index + round) % 2 == 0 {
                    let from = step[id, default: 1]
                    var update = Fixture.rotation(of: id, from: from, to: from + 1)
                    update.lastUsedAt = Date(timeIntervalSince1970: 1_700_000_000.123_456 + Double(round))
                    update.takesCommitTime = round % 3 == 0
                    updates.append(update)
                    step[id] = from + 1
                }
                updates.append(Fixture.rotation(of: ids[round % ids.count], from: 250, to: 251))
                #expect(try await server.updateSessions(updates) == updates.indices.map { $0 < updates.count - 1 })

                let answeredBefore = server.sessionLookupsWithoutQuery
                for id in ids {
                    let kept = try #require(try await server.sessionWithAccount(id: id))
                    #expect(kept.session == (try await other.session(id: id)), "round \(round), \(id)")
                    #expect(kept.session.currentHash == Fixture.digest(step[id, default: 1]))
                    #expect(kept.account == (try await other.account(id: alice.accountID)))
                }
                #expect(server.sessionLookupsWithoutQuery == answeredBefore + ids.count, "round \(round): none needed a query")
            }

            // Another store's commit between two of this store's: kept sessions are not carried over it.
            #expect(try await other.revokeSessions(.session(id: ids[1], accountID: alice.accountID), reason: .logout, at: Fixture.date(90)) == 1)
            let from = step[ids[0], default: 1]
            #expect(try await server.updateSessions([Fixture.rotation(of: ids[0], from: from, to: from + 1)]) == [true])
            #expect(try await server.sessionWithAccount(id: ids[1])?.session.valid == false)
            #expect(try await server.sessionWithAccount(id: ids[0])?.session == (try await other.session(id: ids[0])))
        }
    }

    /// Whether the store's own commit changed a row or not (all its compare-and-swaps lost, so it wrote
    /// nothing): either way, another store's commit before the header is read must not be taken for it.
    @Test(
        "Kept sessions are not carried over an own commit that another commit followed before its header was read",
        arguments: [true, false]
    )
    func notCarriedOverAnotherCommit(ownUpdateApplies: Bool) async throws {
        try await withServerAndAnotherStore(sessions: ["s-1", "s-2"]) { (server, other, alice) async throws in
            for id in ["s-1", "s-2"] { _ = try await server.sessionWithAccount(id: id) }

            // This store's commit, as `updateSessions` makes it, with the step after it held back until
            // another store has revoked the other session.
            let update = Fixture.rotation(of: "s-1", from: ownUpdateApplies ? 1 : 250, to: 2)
            let commitTime = Fixture.date(30)
            let commit = try await server.writer.write { db in
                SQLiteSessionLookup.OwnCommit(
                    updates: [update],
                    applied: try SQLiteSessionUpdateStatement.apply([update], db, commitTime: commitTime),
                    commitTime: commitTime,
                    before: server.sessionLookup.stampInsideWrite()
                )
            }
            #expect(commit.applied == [ownUpdateApplies])
            #expect(try await other.revokeSessions(.session(id: "s-2", accountID: alice.accountID), reason: .logout, at: Fixture.date(40)) == 1)
            server.sessionLookup.keepAcross(commit)

            #expect(try await server.sessionWithAccount(id: "s-2")?.session.valid == false)
            #expect(try await server.sessionWithAccount(id: "s-1")?.session.currentHash == Fixture.digest(ownUpdateApplies ? 2 : 1))
        }
    }

    @Test("The WAL index stamp changes with every commit and only then")
    func stamp() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            #expect(WALIndexStamp(databasePath: path) == nil, "no database, no WAL index")
            let store = try SQLiteStore(path: path, logger: testLogger)
            let walIndex = try #require(WALIndexStamp(databasePath: path))
            let before = try #require(walIndex.current())
            #expect(walIndex.current() == before)
            _ = try await store.accounts(limit: 10, offset: 0)
            #expect(walIndex.current() == before, "a read commits nothing")
            var seen = [before]
            for index in 0..<5 {
                try await Fixture.create(Fixture.account("user\(index)"), in: store)
                let now = try #require(walIndex.current())
                #expect(!seen.contains(now))
                seen.append(now)
            }
        }
    }

    @Test("A WAL index file deleted from under the store is noticed, not trusted for ever")
    func unlinkedIndex() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let store = try SQLiteStore(path: path, logger: testLogger)
            _ = try await store.accounts(limit: 1, offset: 0)
            let checkedBefore = try #require(WALIndexStamp(databasePath: path))
            let checkedAfter = try #require(WALIndexStamp(databasePath: path))
            #expect(checkedBefore.isLinked)

            try FileManager.default.removeItem(atPath: path + "-shm")
            #expect(!checkedAfter.isLinked, "its first look finds the file gone")
            withExtendedLifetime(store) {}
        }
    }

    /// Two stores on one temporary file — the server, and another process such as the admin CLI —
    /// with alice's `sessions` stored through the server.
    private func withServerAndAnotherStore(
        sessions ids: [String],
        _ body: (_ server: SQLiteStore, _ other: SQLiteStore, _ alice: AccountRecord) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("gatehouse.sqlite").path
            let server = try SQLiteStore(path: path, logger: testLogger)
            let other = try SQLiteStore(path: path, logger: testLogger)
            let alice = try await Fixture.create(Fixture.account("alice"), in: server)
            for id in ids { try await server.insertSession(Fixture.session(id, of: alice), requiringAccountEpoch: 0) }
            try await body(server, other, alice)
        }
    }
}
