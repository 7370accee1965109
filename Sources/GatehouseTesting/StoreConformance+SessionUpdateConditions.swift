import Foundation
import Gatehouse

extension StoreConformance {
    /// The conditions a session update adds to its compare-and-swap (the previous secret, a current
    /// secret nobody presented yet), and the commit time a rotation is stamped with.
    static let sessionUpdateConditionChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(
            .sessionUpdates,
            "expected-previous-hash",
            "An update that names the previous secret applies only while that secret is the previous one"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let rotated = rotatedSession("s-rotated", of: alice)
            let fresh = Fixture.session("s-fresh", of: alice, hash: 2)
            try await store.insertSession(rotated, requiringAccountEpoch: 0)
            try await store.insertSession(fresh, requiringAccountEpoch: 0)

            try await expectEqual(
                store.updateSessions([Fixture.rotation(of: "s-rotated", from: 2, to: 3).expecting(previous: 9)]),
                [false],
                "an update naming another previous secret"
            )
            try await expectEqual(store.session(id: "s-rotated"), rotated, "the session after an update naming another previous secret")
            try await expectEqual(
                store.updateSessions([Fixture.rotation(of: "s-fresh", from: 2, to: 3).expecting(previous: 1)]),
                [false],
                "an update naming a previous secret of a session never rotated"
            )
            try await expectEqual(store.session(id: "s-fresh"), fresh, "the never rotated session after an update naming a previous secret")

            let update = Fixture.rotation(of: "s-rotated", from: 2, to: 3).expecting(previous: 1)
            try await expectEqual(store.updateSessions([update]), [true], "an update naming the previous secret")
            try await expectEqual(store.session(id: "s-rotated"), rotated.applying(update), "the session after an update naming the previous secret")
        },

        StoreConformanceCheck(
            .sessionUpdates,
            "requires-unpresented-current",
            "An update that requires an unpresented current secret applies only while no client presented it"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let unseen = Fixture.session("s-unseen", of: alice, hash: 2)
            var seen = Fixture.session("s-seen", of: alice, hash: 2)
            seen.currentPresented = true
            try await store.insertSession(unseen, requiringAccountEpoch: 0)
            try await store.insertSession(seen, requiringAccountEpoch: 0)

            try await expectEqual(
                store.updateSessions([Fixture.rotation(of: "s-seen", from: 2, to: 3).requiringUnpresented()]),
                [false],
                "an update requiring an unpresented current secret, of a session whose current secret was presented"
            )
            try await expectEqual(store.session(id: "s-seen"), seen, "the session whose current secret was presented, after the refused update")

            let update = Fixture.rotation(of: "s-unseen", from: 2, to: 3).requiringUnpresented()
            try await expectEqual(
                store.updateSessions([update]),
                [true],
                "an update requiring an unpresented current secret, of a session whose current secret was not presented"
            )
            let rotated = try await unwrap(store.session(id: "s-unseen"), "session(id:) after the update")
            try expectEqual(rotated, unseen.applying(update), "the session after an update requiring an unpresented current secret")

            // Once a client presents the new secret, the requirement fails.
            let presentation = Fixture.presentation(of: rotated, at: 30)
            try await expectEqual(store.updateSessions([presentation]), [true], "a touch marking the current secret presented")
            let presented = rotated.applying(presentation)
            try await expectEqual(
                store.updateSessions([Fixture.rotation(of: "s-unseen", from: 3, to: 4).requiringUnpresented()]),
                [false],
                "an update requiring an unpresented current secret, after a client presented it"
            )
            try await expectEqual(store.session(id: "s-unseen"), presented, "the session after the refused update")
        },

        StoreConformanceCheck(
            .sessionUpdates,
            "all-conditions",
            "An update with both conditions applies only when both hold, in a batch too"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            // Each session holds digest(2), which replaced `previous`; `presented` says whether a client sent digest(2).
            let states: [(id: String, previous: UInt8, presented: Bool)] = [
                ("s-both-hold", 1, false),
                ("s-other-previous", 7, false),
                ("s-presented", 1, true),
                ("s-neither", 7, true),
                ("s-unconditional", 7, true),
            ]
            var sessions: [String: SessionRecord] = [:]
            for state in states {
                var session = rotatedSession(state.id, of: alice, previous: state.previous)
                session.currentPresented = state.presented
                try await store.insertSession(session, requiringAccountEpoch: 0)
                sessions[state.id] = session
            }

            let updates = states.map { state in
                let rotation = Fixture.rotation(of: state.id, from: 2, to: 3)
                return state.id == "s-unconditional" ? rotation : rotation.expecting(previous: 1).requiringUnpresented()
            }
            try await expectEqual(
                store.updateSessions(updates),
                [true, false, false, false, true],
                "updateSessions(_:) of [both hold, another previous secret, presented, neither holds, no condition on a presented session]"
            )
            for (state, update) in zip(states, updates) {
                let before = try unwrap(sessions[state.id], "the inserted session \(state.id)")
                let expected = ["s-both-hold", "s-unconditional"].contains(state.id) ? before.applying(update) : before
                try await expectEqual(store.session(id: state.id), expected, "session(id: \"\(state.id)\") after the batch")
            }

            // A condition sees the updates before it in the same batch: the first rotation makes digest(3)
            // current and unpresented, and digest(2) the previous secret, which is what the second requires.
            let first = Fixture.rotation(of: "s-presented", from: 2, to: 3).expecting(previous: 1)
            let second = Fixture.rotation(of: "s-presented", from: 3, to: 4).expecting(previous: 2).requiringUnpresented()
            let stale = Fixture.rotation(of: "s-both-hold", from: 3, to: 5).expecting(previous: 1)
            try await expectEqual(
                store.updateSessions([first, stale, second]),
                [true, false, true],
                "updateSessions(_:) of [a rotation, a rotation naming a replaced previous secret, a rotation that needs the first]"
            )
            try await expectEqual(store.session(id: "s-presented")?.currentHash, Fixture.digest(4), "currentHash after two rotations in one batch")
            try await expectEqual(store.session(id: "s-both-hold")?.currentHash, Fixture.digest(3), "currentHash after a refused rotation")
        },

        StoreConformanceCheck(
            .sessionUpdates,
            "commit-time",
            "A rotation that takes the commit time is stamped with the store's clock; other updates keep the times given"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            var inserted: [String: SessionRecord] = [:]
            for id in ["s-1", "s-2", "s-3"] {
                let session = Fixture.session(id, of: alice, hash: 1)
                try await store.insertSession(session, requiringAccountEpoch: 0)
                inserted[id] = session
            }

            // Decided long ago: a store that writes the decision time instead of its own clock's is caught.
            let decided = -1_000_000
            var rotation = Fixture.rotation(of: "s-1", from: 1, to: 2, at: decided)
            rotation.takesCommitTime = true
            try await expectEqual(store.updateSessions([rotation]), [true], "a rotation that takes the commit time")
            try await expectCommitTime(rotation, of: unwrap(inserted["s-1"], "the inserted session"), decidedAt: decided, in: store)

            // In a batch, next to an update that keeps its own times.
            var stamped = Fixture.rotation(of: "s-2", from: 1, to: 2, at: decided)
            stamped.takesCommitTime = true
            var given = Fixture.rotation(of: "s-3", from: 1, to: 2, at: 20)
            given.lastUsedAt = Fixture.date(25)
            try await expectEqual(
                store.updateSessions([stamped, given]),
                [true, true],
                "updateSessions(_:) of [a rotation that takes the commit time, one that does not]"
            )
            try await expectCommitTime(stamped, of: unwrap(inserted["s-2"], "the inserted session"), decidedAt: decided, in: store)
            try await expectEqual(
                store.session(id: "s-3"),
                unwrap(inserted["s-3"], "the inserted session").applying(given),
                "the session after an update that keeps the times given (rotatedAt date(20), lastUsedAt date(25))"
            )
        },
    ]

    /// A session of `account` whose current secret `digest(2)` replaced `digest(previous)` at `date(5)`.
    private static func rotatedSession(_ id: String, of account: AccountRecord, previous: UInt8 = 1) -> SessionRecord {
        var session = Fixture.session(id, of: account, hash: 2)
        session.previousHash = Fixture.digest(previous)
        session.rotatedAt = Fixture.date(5)
        session.lastUsedAt = Fixture.date(5)
        return session
    }

    /// Fails unless `update`, applied to `session`, was stored with one commit time later than
    /// `date(decided)` in both `rotatedAt` and `lastUsedAt`, and every other field as given.
    private static func expectCommitTime(
        _ update: SessionUpdate,
        of session: SessionRecord,
        decidedAt decided: Int,
        in store: any GatehouseStore,
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line
    ) async throws {
        let stored = try await unwrap(
            store.session(id: session.id),
            "session(id:) after a rotation that takes the commit time",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
        let committed = try unwrap(
            stored.rotatedAt,
            "rotatedAt after a rotation that takes the commit time",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
        try expect(
            committed > Fixture.date(decided),
            "rotatedAt after a rotation that takes the commit time: expected the store's clock at commit, later than the decision "
                + "time \(describe(Fixture.date(decided))), got \(describe(committed))",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
        try expectEqual(
            stored.lastUsedAt,
            committed,
            "lastUsedAt after a rotation that takes the commit time: the commit time, as in rotatedAt",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
        try expectEqual(
            stored,
            session.applying(update, committedAt: committed),
            "the session after a rotation that takes the commit time",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
    }
}

extension SessionUpdate {
    /// The update, also requiring the session's previous secret to be `digest(previous)`.
    fileprivate func expecting(previous: UInt8) -> SessionUpdate {
        var update = self
        update.expectedPreviousHash = Fixture.digest(previous)
        return update
    }

    /// The update, also requiring that no client presented the session's current secret.
    fileprivate func requiringUnpresented() -> SessionUpdate {
        var update = self
        update.requiresUnpresentedCurrent = true
        return update
    }
}
