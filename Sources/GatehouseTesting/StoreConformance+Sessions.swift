import Gatehouse

extension StoreConformance {
    static let sessionChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.sessions, "insert-and-read", "A session reads back exactly as inserted") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let fresh = Fixture.session("s-fresh", of: alice)
            var rotated = Fixture.session("s-rotated", of: alice, hash: 3, at: 5)
            rotated.previousHash = Fixture.digest(2)
            rotated.rotatedAt = Fixture.date(8)
            rotated.olderSecrets = [
                SupersededSecret(hash: Fixture.digest(1), supersededAt: Fixture.date(6)),
                SupersededSecret(hash: Fixture.digest(9), supersededAt: Fixture.date(-3)),
            ]
            rotated.currentPresented = true
            try await store.insertSession(fresh, requiringAccountEpoch: 0)
            try await store.insertSession(rotated, requiringAccountEpoch: 0)

            try await expectEqual(store.session(id: "s-fresh"), fresh, "session(id:) of a new session")
            try await expectEqual(store.session(id: "s-rotated"), rotated, "session(id:) of a session inserted with a rotation history")
            try await expectNil(store.session(id: "s-missing"), "session(id:) of an unknown id")
        },

        StoreConformanceCheck(.sessions, "insert-conflicts", "A session id is unique, and a session needs its account") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let original = Fixture.session("s-1", of: alice)
            try await store.insertSession(original, requiringAccountEpoch: 0)
            try await expectAccountError(.conflict, detail: .idTaken, "inserting a session with a taken id") {
                try await store.insertSession(Fixture.session("s-1", of: alice, hash: 2), requiringAccountEpoch: 0)
            }
            try await expectEqual(store.session(id: "s-1"), original, "session(id:) after a refused insert with its id")

            try await expectAccountError(.userNotFound, "inserting a session of an unknown account") {
                try await store.insertSession(Fixture.session("s-orphan", of: Fixture.account("ghost")), requiringAccountEpoch: 0)
            }
            try await expectNil(store.session(id: "s-orphan"), "session(id:) of the refused session")
        },

        StoreConformanceCheck(.sessions, "session-with-account", "The hot path reads a session with its account and primary e-mail") { store in
            let alice = try await Fixture.create(Fixture.account("alice", email: "alice@example.org"), in: store)
            let session = Fixture.session("s-1", of: alice)
            try await store.insertSession(session, requiringAccountEpoch: 0)

            let found = try await unwrap(store.sessionWithAccount(id: "s-1"), "sessionWithAccount(id:) of a new session")
            try expectEqual(found.session, session, "the session of sessionWithAccount(id:)")
            try expectEqual(found.account, alice, "the account of sessionWithAccount(id:)")
            try expectEqual(found.account?.email, "alice@example.org", "the account's e-mail from sessionWithAccount(id:)")
            try expectEqual(found.account?.permissions, ["admin_profile:acct-alice"], "the account's permissions from sessionWithAccount(id:)")

            _ = try await store.markContactVerified(accountID: alice.accountID, kind: .email, value: alice.email)
            _ = try await store.setDeactivated(accountID: alice.accountID, true, at: Fixture.date(50))
            let updated = try await unwrap(store.sessionWithAccount(id: "s-1"), "sessionWithAccount(id:) after the account changed")
            try expectEqual(updated.account?.emailVerified, true, "emailVerified from sessionWithAccount(id:) after verifying the e-mail")
            try expectEqual(updated.account?.deactivated, true, "deactivated from sessionWithAccount(id:) after deactivation")
            try await expectNil(store.sessionWithAccount(id: "s-2"), "sessionWithAccount(id:) of an unknown id")
        },

        StoreConformanceCheck(.sessions, "reauthentication", "A reauthentication is recorded on a valid session alone, with its trail") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            var session = Fixture.session("s-1", of: alice, at: 10)
            session.authenticationMethods = [.password]
            try await store.insertSession(session, requiringAccountEpoch: 0)
            try await store.insertSession(Fixture.session("s-2", of: alice, hash: 2, at: 20), requiringAccountEpoch: 0)
            try await expectEqual(store.session(id: "s-1")?.authenticatedAt, Fixture.date(10), "authenticatedAt of a new session")
            try await expectEqual(store.session(id: "s-1")?.authenticationMethods, [.password], "authenticationMethods of a new session")

            let methods = [AuthenticationMethod.password, AuthenticationMethod(rawValue: "totp")]
            try await expect(
                store.recordAuthentication(
                    sessionID: "s-1",
                    methods: methods,
                    at: Fixture.date(500),
                    audit: Fixture.trail("e-1", .sessionReauthenticated, of: alice)
                ),
                "recordAuthentication of a valid session"
            )
            var expected = session
            expected.authenticatedAt = Fixture.date(500)
            expected.authenticationMethods = methods
            try await expectEqual(store.session(id: "s-1"), expected, "the session after recordAuthentication: nothing else changed")
            try await expectEqual(store.sessionWithAccount(id: "s-1")?.session, expected, "the hot path's read after recordAuthentication")

            _ = try await store.revokeSessions(.session(id: "s-2", accountID: alice.accountID), reason: .logout, at: Fixture.date(30))
            try await expect(
                !store.recordAuthentication(sessionID: "s-2", methods: methods, at: Fixture.date(600), audit: Fixture.trail("e-2")),
                "recordAuthentication of a revoked session"
            )
            try await expect(
                !store.recordAuthentication(sessionID: "s-ghost", methods: methods, at: Fixture.date(600), audit: Fixture.trail("e-3")),
                "recordAuthentication of an unknown session"
            )
            try await expectEqual(store.session(id: "s-2")?.authenticatedAt, Fixture.date(20), "authenticatedAt of the revoked session")
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 10).map(\.id),
                ["e-1"],
                "the events written: only the reauthentication that took effect"
            )
        },

        StoreConformanceCheck(.sessions, "listing", "Sessions are listed oldest first, revoked ones on request") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            for (index, id) in ["s-a", "s-b", "s-c"].enumerated() {
                try await store.insertSession(Fixture.session(id, of: alice, hash: UInt8(index + 1), at: index * 60), requiringAccountEpoch: 0)
            }
            try await store.insertSession(Fixture.session("s-bob", of: bob, at: 30), requiringAccountEpoch: 0)
            _ = try await store.revokeSessions(.session(id: "s-b", accountID: alice.accountID), reason: .logout, at: Fixture.date(200))

            try await expectEqual(
                store.sessions(accountID: alice.accountID, includeInvalid: false).map(\.id),
                ["s-a", "s-c"],
                "ids of sessions(accountID:includeInvalid: false)"
            )
            let all = try await store.sessions(accountID: alice.accountID, includeInvalid: true)
            try expectEqual(all.map(\.id), ["s-a", "s-b", "s-c"], "ids of sessions(accountID:includeInvalid: true)")
            try expectEqual(all.map(\.valid), [true, false, true], "valid flags of sessions(accountID:includeInvalid: true)")
            try await expectEqual(
                store.sessions(accountID: bob.accountID, includeInvalid: true).map(\.id),
                ["s-bob"],
                "ids of the other account's sessions"
            )
            try await expectEqual(
                store.sessions(accountID: "acct-ghost", includeInvalid: true),
                [],
                "sessions(accountID:includeInvalid:) of an unknown account"
            )
        },

        StoreConformanceCheck(.sessions, "revoke-one", "Revoking one session touches only that one") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)
            try await store.insertSession(Fixture.session("s-2", of: alice, hash: 2), requiringAccountEpoch: 0)

            try await expectEqual(
                store.revokeSessions(.session(id: "s-1", accountID: alice.accountID), reason: .logout, at: Fixture.date(100)),
                1,
                "revokeSessions(.session) count"
            )
            let revoked = try await unwrap(store.session(id: "s-1"), "session(id:) of a revoked session")
            try expectEqual(revoked.valid, false, "valid of a revoked session")
            try expectEqual(revoked.revokedReason, .logout, "revokedReason of a revoked session")
            try await expectEqual(store.session(id: "s-2")?.valid, true, "valid of the account's other session")

            // Already revoked, or belonging to someone else: nothing changes.
            try await expectEqual(
                store.revokeSessions(.session(id: "s-1", accountID: alice.accountID), reason: .administrator, at: Fixture.date(101)),
                0,
                "revokeSessions(.session) count for a session already revoked"
            )
            try await expectEqual(store.session(id: "s-1")?.revokedReason, .logout, "revokedReason after a second revocation")
            try await expectEqual(
                store.revokeSessions(.session(id: "s-2", accountID: "acct-other"), reason: .administrator, at: Fixture.date(101)),
                0,
                "revokeSessions(.session) count for a session of another account"
            )
            try await expectEqual(store.session(id: "s-2")?.valid, true, "valid of a session revoked under another account")
        },

        StoreConformanceCheck(.sessions, "revoke-all", "Revoking all sessions of an account leaves other accounts alone") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            for index in 1...3 {
                try await store.insertSession(Fixture.session("s-alice-\(index)", of: alice, hash: UInt8(index)), requiringAccountEpoch: 0)
            }
            try await store.insertSession(Fixture.session("s-bob", of: bob, hash: 9), requiringAccountEpoch: 0)

            try await expectEqual(
                store.revokeSessions(.allSessions(accountID: alice.accountID), reason: .passwordChanged, at: Fixture.date(100)),
                3,
                "revokeSessions(.allSessions) count"
            )
            let sessions = try await store.sessions(accountID: alice.accountID, includeInvalid: true)
            try expect(
                sessions.allSatisfy { !$0.valid && $0.revokedReason == .passwordChanged },
                "every session of the account is revoked with reason password_changed, got \(sessions.map { describe(($0.id, $0.valid, $0.revokedReason)) })"
            )
            try await expectEqual(
                store.sessions(accountID: alice.accountID, includeInvalid: false),
                [],
                "valid sessions of the account after revoking all"
            )
            try await expectEqual(store.session(id: "s-bob")?.valid, true, "valid of another account's session")
            try await expectEqual(
                store.revokeSessions(.allSessions(accountID: alice.accountID), reason: .administrator, at: Fixture.date(101)),
                0,
                "revokeSessions(.allSessions) count when all are already revoked"
            )
        },

        StoreConformanceCheck(.sessions, "revoke-all-except", "Revoking all but one session keeps that one") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            for index in 1...4 {
                try await store.insertSession(Fixture.session("s-\(index)", of: alice, hash: UInt8(index)), requiringAccountEpoch: 0)
            }

            try await expectEqual(
                store.revokeSessions(.allSessionsExcept(sessionID: "s-3", accountID: alice.accountID), reason: .logout, at: Fixture.date(100)),
                3,
                "revokeSessions(.allSessionsExcept) count"
            )
            try await expectEqual(
                store.sessions(accountID: alice.accountID, includeInvalid: false).map(\.id),
                ["s-3"],
                "ids of the valid sessions left"
            )
            try await expectNil(store.session(id: "s-3")?.revokedReason, "revokedReason of the kept session")

            // Only the kept session is still valid, and it is excluded: nothing to do.
            try await expectEqual(
                store.revokeSessions(.allSessionsExcept(sessionID: "s-3", accountID: alice.accountID), reason: .administrator, at: Fixture.date(101)),
                0,
                "revokeSessions(.allSessionsExcept) count when only the kept session is valid"
            )
            try await expectEqual(store.session(id: "s-3")?.valid, true, "valid of the kept session")
        },

        StoreConformanceCheck(.sessions, "delete-ended", "Sessions that ended before a date are deleted, the others kept") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            // Expired at 100; still valid but past its absolute lifetime.
            try await store.insertSession(Fixture.session("s-expired", of: alice, hash: 1, at: 0, expiresAfter: 100), requiringAccountEpoch: 0)
            // Revoked, last used at 50.
            try await store.insertSession(Fixture.session("s-revoked-old", of: alice, hash: 2, at: 50), requiringAccountEpoch: 0)
            // Valid and current.
            try await store.insertSession(Fixture.session("s-active", of: alice, hash: 4, at: 60), requiringAccountEpoch: 0)
            // Revoked, last used at 500: ended after the cut-off.
            try await store.insertSession(Fixture.session("s-revoked-recent", of: alice, hash: 3, at: 500), requiringAccountEpoch: 0)
            for id in ["s-revoked-old", "s-revoked-recent"] {
                _ = try await store.revokeSessions(.session(id: id, accountID: alice.accountID), reason: .logout, at: Fixture.date(500))
            }

            try await expectEqual(store.deleteSessions(endedBefore: Fixture.date(200)), 2, "deleteSessions(endedBefore:) count")
            try await expectNil(store.session(id: "s-expired"), "session(id:) of a session past its expiry")
            try await expectNil(store.session(id: "s-revoked-old"), "session(id:) of a session revoked and last used before the cut-off")
            try await expectEqual(
                store.session(id: "s-revoked-recent")?.valid,
                false,
                "valid of a session revoked but last used after the cut-off"
            )
            try await expectEqual(store.session(id: "s-active")?.valid, true, "valid of an active session")
            try await expectEqual(
                store.sessions(accountID: alice.accountID, includeInvalid: true).map(\.id),
                ["s-active", "s-revoked-recent"],
                "ids of the sessions left"
            )
            try await expectEqual(store.deleteSessions(endedBefore: Fixture.date(200)), 0, "deleteSessions(endedBefore:) count the second time")
        },
    ]
}
