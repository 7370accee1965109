import Gatehouse
import Testing

extension StoreConformanceTests {
    @Suite("Sessions")
    struct Sessions {
        @Test("A session reads back exactly as inserted", arguments: StoreKind.available)
        func insertAndRead(kind: StoreKind) async throws {
            try await withStore(kind) { store in
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
                try await store.insertSession(fresh)
                try await store.insertSession(rotated)

                #expect(try await store.session(id: "s-fresh") == fresh)
                #expect(try await store.session(id: "s-rotated") == rotated)
                #expect(try await store.session(id: "s-missing") == nil)
            }
        }

        @Test("A session id is unique, and a session needs its account", arguments: StoreKind.available)
        func insertConflicts(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let original = Fixture.session("s-1", of: alice)
                try await store.insertSession(original)
                await expectAccountError(.conflict) { try await store.insertSession(Fixture.session("s-1", of: alice, hash: 2)) }
                #expect(try await store.session(id: "s-1") == original)

                await expectAccountError(.userNotFound) {
                    try await store.insertSession(Fixture.session("s-orphan", of: Fixture.account("ghost")))
                }
                #expect(try await store.session(id: "s-orphan") == nil)
            }
        }

        @Test("The hot path reads a session with its account and primary e-mail", arguments: StoreKind.available)
        func sessionWithAccount(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice", email: "alice@example.org"), in: store)
                let session = Fixture.session("s-1", of: alice)
                try await store.insertSession(session)

                let found = try #require(try await store.sessionWithAccount(id: "s-1"))
                #expect(found.session == session)
                #expect(found.account == alice)
                #expect(found.account?.email == "alice@example.org")
                #expect(found.account?.permissions == ["admin_profile:acct-alice"])

                _ = try await store.markContactVerified(accountId: alice.accountId, kind: .email, value: alice.email)
                _ = try await store.setDeactivated(accountId: alice.accountId, true, at: Fixture.date(50))
                let updated = try #require(try await store.sessionWithAccount(id: "s-1"))
                #expect(updated.account?.emailVerified == true)
                #expect(updated.account?.deactivated == true)
                #expect(try await store.sessionWithAccount(id: "s-2") == nil)
            }
        }

        @Test("Sessions are listed oldest first, revoked ones on request", arguments: StoreKind.available)
        func listing(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let bob = try await Fixture.create(Fixture.account("bob"), in: store)
                for (index, id) in ["s-a", "s-b", "s-c"].enumerated() {
                    try await store.insertSession(Fixture.session(id, of: alice, hash: UInt8(index + 1), at: index * 60))
                }
                try await store.insertSession(Fixture.session("s-bob", of: bob, at: 30))
                _ = try await store.revokeSessions(accountId: alice.accountId, sessionId: "s-b", exceptSessionId: nil, reason: "logout", at: Fixture.date(200))

                #expect(try await store.sessions(accountId: alice.accountId, includeInvalid: false).map(\.id) == ["s-a", "s-c"])
                let all = try await store.sessions(accountId: alice.accountId, includeInvalid: true)
                #expect(all.map(\.id) == ["s-a", "s-b", "s-c"])
                #expect(all.map(\.valid) == [true, false, true])
                #expect(try await store.sessions(accountId: bob.accountId, includeInvalid: true).map(\.id) == ["s-bob"])
                #expect(try await store.sessions(accountId: "acct-ghost", includeInvalid: true).isEmpty)
            }
        }

        @Test("Revoking one session touches only that one", arguments: StoreKind.available)
        func revokeOne(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertSession(Fixture.session("s-1", of: alice))
                try await store.insertSession(Fixture.session("s-2", of: alice, hash: 2))

                let count = try await store.revokeSessions(accountId: alice.accountId, sessionId: "s-1", exceptSessionId: nil, reason: "logout", at: Fixture.date(100))
                #expect(count == 1)
                let revoked = try #require(try await store.session(id: "s-1"))
                #expect(revoked.valid == false)
                #expect(revoked.revokedReason == "logout")
                #expect(try await store.session(id: "s-2")?.valid == true)

                // Already revoked, or belonging to someone else: nothing changes.
                #expect(try await store.revokeSessions(accountId: alice.accountId, sessionId: "s-1", exceptSessionId: nil, reason: "again", at: Fixture.date(101)) == 0)
                #expect(try await store.session(id: "s-1")?.revokedReason == "logout")
                #expect(try await store.revokeSessions(accountId: "acct-other", sessionId: "s-2", exceptSessionId: nil, reason: "x", at: Fixture.date(101)) == 0)
                #expect(try await store.session(id: "s-2")?.valid == true)
            }
        }

        @Test("Revoking all sessions of an account leaves other accounts alone", arguments: StoreKind.available)
        func revokeAll(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let bob = try await Fixture.create(Fixture.account("bob"), in: store)
                for index in 1...3 { try await store.insertSession(Fixture.session("s-alice-\(index)", of: alice, hash: UInt8(index))) }
                try await store.insertSession(Fixture.session("s-bob", of: bob, hash: 9))

                let count = try await store.revokeSessions(accountId: alice.accountId, sessionId: nil, exceptSessionId: nil, reason: "password_changed", at: Fixture.date(100))
                #expect(count == 3)
                let sessions = try await store.sessions(accountId: alice.accountId, includeInvalid: true)
                #expect(sessions.allSatisfy { !$0.valid && $0.revokedReason == "password_changed" })
                #expect(try await store.sessions(accountId: alice.accountId, includeInvalid: false).isEmpty)
                #expect(try await store.session(id: "s-bob")?.valid == true)
                #expect(try await store.revokeSessions(accountId: alice.accountId, sessionId: nil, exceptSessionId: nil, reason: "again", at: Fixture.date(101)) == 0)
            }
        }

        @Test("Revoking all but one session keeps that one", arguments: StoreKind.available)
        func revokeAllExcept(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                for index in 1...4 { try await store.insertSession(Fixture.session("s-\(index)", of: alice, hash: UInt8(index))) }

                let count = try await store.revokeSessions(accountId: alice.accountId, sessionId: nil, exceptSessionId: "s-3", reason: "logout_others", at: Fixture.date(100))
                #expect(count == 3)
                #expect(try await store.sessions(accountId: alice.accountId, includeInvalid: false).map(\.id) == ["s-3"])
                #expect(try await store.session(id: "s-3")?.revokedReason == nil)

                // Only the excepted session, which is excluded: nothing to do.
                #expect(try await store.revokeSessions(accountId: alice.accountId, sessionId: "s-3", exceptSessionId: "s-3", reason: "x", at: Fixture.date(101)) == 0)
                #expect(try await store.session(id: "s-3")?.valid == true)
            }
        }

        @Test("Sessions that ended before a date are deleted, the others kept", arguments: StoreKind.available)
        func deleteEnded(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                // Expired at 100; still valid but past its absolute lifetime.
                try await store.insertSession(Fixture.session("s-expired", of: alice, hash: 1, at: 0, expiresAfter: 100))
                // Revoked, last used at 50.
                try await store.insertSession(Fixture.session("s-revoked-old", of: alice, hash: 2, at: 50))
                // Valid and current.
                try await store.insertSession(Fixture.session("s-active", of: alice, hash: 4, at: 60))
                // Revoked, last used at 500: ended after the cut-off.
                try await store.insertSession(Fixture.session("s-revoked-recent", of: alice, hash: 3, at: 500))
                for id in ["s-revoked-old", "s-revoked-recent"] {
                    _ = try await store.revokeSessions(accountId: alice.accountId, sessionId: id, exceptSessionId: nil, reason: "logout", at: Fixture.date(500))
                }

                #expect(try await store.deleteSessions(endedBefore: Fixture.date(200)) == 2)
                #expect(try await store.session(id: "s-expired") == nil)
                #expect(try await store.session(id: "s-revoked-old") == nil)
                #expect(try await store.session(id: "s-revoked-recent")?.valid == false)
                #expect(try await store.session(id: "s-active")?.valid == true)
                #expect(try await store.sessions(accountId: alice.accountId, includeInvalid: true).map(\.id) == ["s-active", "s-revoked-recent"])
                #expect(try await store.deleteSessions(endedBefore: Fixture.date(200)) == 0)
            }
        }
    }
}
