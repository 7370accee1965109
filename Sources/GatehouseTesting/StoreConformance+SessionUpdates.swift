import Gatehouse

extension StoreConformance {
    /// Compare-and-swap writes to sessions (rotations and touches), alone, in batches and concurrently.
    static let sessionUpdateChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.sessionUpdates, "applied-on-match", "An update applies when the session is valid and its hash matches") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let session = Fixture.session("s-1", of: alice, hash: 1)
            try await store.insertSession(session, requiringAccountEpoch: 0)
            let update = Fixture.rotation(of: "s-1", from: 1, to: 2)

            try await expectEqual(store.updateSessions([update]), [true], "updateSessions(_:) with the current hash")
            let stored = try await unwrap(store.session(id: "s-1"), "session(id:) after an update")
            try expectEqual(stored, session.applying(update), "the session after an update")
            try expectEqual(stored.currentHash, Fixture.digest(2), "currentHash after an update")
            try expectEqual(stored.previousHash, Fixture.digest(1), "previousHash after an update")
            try expectEqual(stored.olderSecrets, update.olderSecrets, "olderSecrets after an update")
            try expectEqual(stored.createdAt, session.createdAt, "createdAt after an update")
            try expectEqual(stored.expiresAt, session.expiresAt, "expiresAt after an update")
        },

        StoreConformanceCheck(.sessionUpdates, "stale-hash-refused", "An update computed from a stale read is refused") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice, hash: 1), requiringAccountEpoch: 0)
            try await expectEqual(store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]), [true], "the first rotation")
            let afterFirst = try await store.session(id: "s-1")

            try await expectEqual(
                store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 3)]),
                [false],
                "a rotation expecting the replaced hash"
            )
            try await expectEqual(store.session(id: "s-1"), afterFirst, "the session after a refused rotation")
            try await expectEqual(store.session(id: "s-1")?.currentHash, Fixture.digest(2), "currentHash after a refused rotation")
        },

        StoreConformanceCheck(.sessionUpdates, "revoked-refused", "A revoked session is never updated, not even with the right hash") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice, hash: 1), requiringAccountEpoch: 0)
            _ = try await store.revokeSessions(.session(id: "s-1", accountID: alice.accountID), reason: .logout, at: Fixture.date(5))
            let revoked = try await store.session(id: "s-1")

            try await expectEqual(
                store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: 2)]),
                [false],
                "a rotation of a revoked session"
            )
            try await expectEqual(store.session(id: "s-1"), revoked, "the revoked session after a refused rotation")
            try await expectEqual(store.session(id: "s-1")?.valid, false, "valid of the revoked session")
        },

        StoreConformanceCheck(.sessionUpdates, "mixed-batch", "A batch returns one result per update, in order, applied in order") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-a", of: alice, hash: 1), requiringAccountEpoch: 0)
            try await store.insertSession(Fixture.session("s-b", of: alice, hash: 1), requiringAccountEpoch: 0)
            try await store.insertSession(Fixture.session("s-c", of: alice, hash: 1), requiringAccountEpoch: 0)
            _ = try await store.revokeSessions(.session(id: "s-c", accountID: alice.accountID), reason: .logout, at: Fixture.date(5))

            let results = try await store.updateSessions([
                Fixture.rotation(of: "s-a", from: 1, to: 2),  // applies
                Fixture.rotation(of: "s-b", from: 7, to: 8),  // stale
                Fixture.rotation(of: "s-c", from: 1, to: 2),  // revoked
                Fixture.rotation(of: "s-x", from: 1, to: 2),  // unknown
                Fixture.rotation(of: "s-a", from: 1, to: 3),  // stale after the first one applied
                Fixture.rotation(of: "s-a", from: 2, to: 4),  // follows the first one
            ])
            try expectEqual(
                results,
                [true, false, false, false, false, true],
                "updateSessions(_:) of [applies, stale, revoked, unknown, stale after the first, follows the first]"
            )
            try await expectEqual(store.session(id: "s-a")?.currentHash, Fixture.digest(4), "currentHash of the session rotated twice")
            try await expectEqual(store.session(id: "s-a")?.previousHash, Fixture.digest(2), "previousHash of the session rotated twice")
            try await expectEqual(store.session(id: "s-b")?.currentHash, Fixture.digest(1), "currentHash of the session with a stale update")
            try await expectEqual(store.session(id: "s-c")?.currentHash, Fixture.digest(1), "currentHash of the revoked session")
            try await expectNil(store.session(id: "s-x"), "session(id:) of the unknown session")
            try await expectEqual(store.updateSessions([]), [], "updateSessions(_:) of an empty batch")
        },

        StoreConformanceCheck(
            .sessionUpdates,
            "concurrent-same-hash",
            "Of 50 concurrent rotations from the same token, exactly one applies"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice, hash: 1), requiringAccountEpoch: 0)

            let winners = try await withThrowingTaskGroup(of: (UInt8, Bool).self) { group in
                for next in UInt8(2)...UInt8(51) {
                    group.addTask { (next, try await store.updateSessions([Fixture.rotation(of: "s-1", from: 1, to: next)]) == [true]) }
                }
                var winners: [UInt8] = []
                for try await (next, applied) in group where applied { winners.append(next) }
                return winners
            }
            try expectEqual(winners.count, 1, "number of concurrent rotations from the same hash that applied")
            try await expectEqual(
                store.session(id: "s-1")?.currentHash,
                Fixture.digest(winners[0]),
                "currentHash after the race: the winner's"
            )
        },

        StoreConformanceCheck(
            .sessionUpdates,
            "concurrent-different-sessions",
            "Concurrent rotations of different sessions all apply"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let ids = (0..<64).map { "s-\($0)" }
            for id in ids { try await store.insertSession(Fixture.session(id, of: alice, hash: 1), requiringAccountEpoch: 0) }

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
            try expectEqual(results.count, ids.count, "number of finished rotation pairs")
            let refused = results.filter { $0 != [true, true] }.count
            try expectEqual(refused, 0, "number of sessions whose two successive rotations were not both applied")
            let sessions = try await store.sessions(accountID: alice.accountID, includeInvalid: false)
            try expectEqual(sessions.count, ids.count, "number of valid sessions after the rotations")
            let wrong = sessions.filter { $0.currentHash != Fixture.digest(3) || $0.previousHash != Fixture.digest(2) }.map(\.id)
            try expectEqual(wrong, [], "ids of sessions that do not hold digest(3), replacing digest(2)")
        },

        StoreConformanceCheck(
            .sessionUpdates,
            "rotation-racing-revocation",
            "A rotation racing a revocation never revives the session"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let ids = (0..<20).map { "s-\($0)" }
            for id in ids { try await store.insertSession(Fixture.session(id, of: alice, hash: 1), requiringAccountEpoch: 0) }

            let rotated = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    _ = try await store.revokeSessions(.allSessions(accountID: alice.accountID), reason: .logout, at: Fixture.date(5))
                    return 0
                }
                for id in ids {
                    group.addTask { try await store.updateSessions([Fixture.rotation(of: id, from: 1, to: 2)]) == [true] ? 1 : 0 }
                }
                return try await group.reduce(0, +)
            }
            let sessions = try await store.sessions(accountID: alice.accountID, includeInvalid: true)
            try expectEqual(sessions.count, ids.count, "number of sessions after the race")
            let revived = sessions.filter { $0.valid || $0.revokedReason != .logout }.map(\.id)
            try expectEqual(revived, [], "ids of sessions not revoked with reason logout after the race")
            // Whatever won the race, each rotation that reported success is the one stored.
            try expectEqual(
                sessions.filter { $0.currentHash == Fixture.digest(2) }.count,
                rotated,
                "number of sessions holding the rotated hash, against the rotations reported applied"
            )
            try await expectEqual(
                store.updateSessions(ids.map { Fixture.rotation(of: $0, from: 2, to: 3) }).filter { $0 }.count,
                0,
                "number of rotations applied to revoked sessions"
            )
        },
    ]
}
