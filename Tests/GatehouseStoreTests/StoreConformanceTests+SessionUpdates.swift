import Gatehouse
import Testing

extension StoreConformanceTests {
    /// Compare-and-swap writes to sessions: rotations and touches.
    @Suite("Session updates")
    struct SessionUpdates {
        @Test("An update applies when the session is valid and its hash matches", arguments: StoreKind.available)
        func appliedOnMatch(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let session = Fixture.session("s-1", of: alice, hash: 1)
                try await store.insertSession(session)
                let update = Fixture.rotation(of: "s-1", from: 1, to: 2)

                #expect(try await store.updateSessions([update]) == [true])
                let stored = try #require(try await store.session(id: "s-1"))
                #expect(stored == session.applying(update))
                #expect(stored.currentHash == Fixture.digest(2))
                #expect(stored.previousHash == Fixture.digest(1))
                #expect(stored.olderSecrets == update.olderSecrets)
                #expect(stored.createdAt == session.createdAt)
                #expect(stored.expiresAt == session.expiresAt)
            }
        }

        @Test("An update computed from a stale read is refused", arguments: StoreKind.available)
        func staleHashRefused(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertSession(Fixture.session("s-1", of: alice, hash: 1))
                #expect(try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) == [true])
                let afterFirst = try await store.session(id: "s-1")

                #expect(try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 3)]) == [false])
                #expect(try await store.session(id: "s-1") == afterFirst)
                #expect(try await store.session(id: "s-1")?.currentHash == Fixture.digest(2))
            }
        }

        @Test("A revoked session is never updated, not even with the right hash", arguments: StoreKind.available)
        func revokedRefused(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertSession(Fixture.session("s-1", of: alice, hash: 1))
                _ = try await store.revokeSessions(accountId: alice.accountId, sessionId: "s-1", exceptSessionId: nil, reason: "logout", at: Fixture.date(5))
                let revoked = try await store.session(id: "s-1")

                #expect(try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]) == [false])
                #expect(try await store.session(id: "s-1") == revoked)
                #expect(try await store.session(id: "s-1")?.valid == false)
            }
        }

        @Test("A batch returns one result per update, in order, applied in order", arguments: StoreKind.available)
        func mixedBatch(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertSession(Fixture.session("s-a", of: alice, hash: 1))
                try await store.insertSession(Fixture.session("s-b", of: alice, hash: 1))
                try await store.insertSession(Fixture.session("s-c", of: alice, hash: 1))
                _ = try await store.revokeSessions(accountId: alice.accountId, sessionId: "s-c", exceptSessionId: nil, reason: "logout", at: Fixture.date(5))

                let results = try await store.updateSessions([
                    Fixture.rotation(of: "s-a", from: 1, to: 2),  // applies
                    Fixture.rotation(of: "s-b", from: 7, to: 8),  // stale
                    Fixture.rotation(of: "s-c", from: 1, to: 2),  // revoked
                    Fixture.rotation(of: "s-x", from: 1, to: 2),  // unknown
                    Fixture.rotation(of: "s-a", from: 1, to: 3),  // stale after the first one applied
                    Fixture.rotation(of: "s-a", from: 2, to: 4),  // follows the first one
                ])
                #expect(results == [true, false, false, false, false, true])
                #expect(try await store.session(id: "s-a")?.currentHash == Fixture.digest(4))
                #expect(try await store.session(id: "s-a")?.previousHash == Fixture.digest(2))
                #expect(try await store.session(id: "s-b")?.currentHash == Fixture.digest(1))
                #expect(try await store.session(id: "s-c")?.currentHash == Fixture.digest(1))
                #expect(try await store.session(id: "s-x") == nil)
                #expect(try await store.updateSessions([]) == [])
            }
        }

        @Test("Of 50 concurrent rotations from the same token, exactly one applies", arguments: StoreKind.available)
        func concurrentSameHash(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertSession(Fixture.session("s-1", of: alice, hash: 1))

                let winners = try await withThrowingTaskGroup(of: (UInt8, Bool).self) { group in
                    for next in UInt8(2)...UInt8(51) {
                        group.addTask { (next, try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: next)]) == [true]) }
                    }
                    var winners: [UInt8] = []
                    for try await (next, applied) in group where applied { winners.append(next) }
                    return winners
                }
                #expect(winners.count == 1)
                let winner = try #require(winners.first)
                #expect(try await store.session(id: "s-1")?.currentHash == Fixture.digest(winner))
            }
        }

        @Test("Concurrent rotations of different sessions all apply", arguments: StoreKind.available)
        func concurrentDifferentSessions(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let ids = (0..<64).map { "s-\($0)" }
                for id in ids { try await store.insertSession(Fixture.session(id, of: alice, hash: 1)) }

                // Each task rotates its session twice: the second rotation depends on the first one
                // having committed before the call returned.
                let results = try await withThrowingTaskGroup(of: [Bool].self) { group in
                    for id in ids {
                        group.addTask {
                            let first = try await store.updateSessions([Fixture.rotation(of: id, from: 1, to: 2)])
                            let second = try await store.updateSessions([Fixture.rotation(of: id, from: 2, to: 3)])
                            return first + second
                        }
                    }
                    var all: [[Bool]] = []
                    for try await result in group { all.append(result) }
                    return all
                }
                #expect(results.count == ids.count)
                #expect(results.allSatisfy { $0 == [true, true] })
                let sessions = try await store.sessions(accountId: alice.accountId, includeInvalid: false)
                #expect(sessions.count == ids.count)
                #expect(sessions.allSatisfy { $0.currentHash == Fixture.digest(3) && $0.previousHash == Fixture.digest(2) })
            }
        }

        @Test("A rotation racing a revocation never revives the session", arguments: StoreKind.available)
        func rotationRacingRevocation(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let ids = (0..<20).map { "s-\($0)" }
                for id in ids { try await store.insertSession(Fixture.session(id, of: alice, hash: 1)) }

                let rotated = try await withThrowingTaskGroup(of: Int.self) { group in
                    group.addTask {
                        _ = try await store.revokeSessions(accountId: alice.accountId, sessionId: nil, exceptSessionId: nil, reason: "logout", at: Fixture.date(5))
                        return 0
                    }
                    for id in ids {
                        group.addTask { try await store.updateSessions([Fixture.rotation(of: id, from: 1, to: 2)]) == [true] ? 1 : 0 }
                    }
                    return try await group.reduce(0, +)
                }
                let sessions = try await store.sessions(accountId: alice.accountId, includeInvalid: true)
                #expect(sessions.count == ids.count)
                #expect(sessions.allSatisfy { !$0.valid && $0.revokedReason == "logout" })
                // Whatever won the race, each rotation that reported success is the one stored.
                #expect(sessions.filter { $0.currentHash == Fixture.digest(2) }.count == rotated)
                #expect(try await store.updateSessions(ids.map { Fixture.rotation(of: $0, from: 2, to: 3) }).allSatisfy { !$0 })
            }
        }
    }
}
