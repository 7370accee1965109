import Gatehouse

extension StoreConformance {
    static let auditChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.audit, "record-and-list", "Events read back newest first, by account, time and page") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await store.recordAudit(Fixture.trail("e-1", of: alice, at: 10))
            try await store.recordAudit(Fixture.trail("e-2", .loginThrottled, of: nil, at: 20))
            try await store.recordAudit(Fixture.trail("e-3", of: bob, at: 30))
            try await store.recordAudit(Fixture.trail("e-4", .logout, of: alice, at: 40))

            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 10).map(\.id),
                ["e-4", "e-3", "e-2", "e-1"],
                "auditEvents of every account"
            )
            try await expectEqual(
                store.auditEvents(accountID: alice.accountID, since: nil, before: nil, limit: 10),
                [Fixture.auditEvent("e-4", .logout, of: alice, at: 40), Fixture.auditEvent("e-1", of: alice, at: 10)],
                "auditEvents(accountID:) read back field for field"
            )
            try await expectEqual(
                store.auditEvents(accountID: nil, since: Fixture.date(20), before: nil, limit: 10).map(\.id),
                ["e-4", "e-3", "e-2"],
                "auditEvents(since:) includes its bound"
            )
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: "e-3", limit: 10).map(\.id),
                ["e-2", "e-1"],
                "auditEvents(before:) pages back"
            )
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 2).map(\.id),
                ["e-4", "e-3"],
                "auditEvents(limit:)"
            )
            try await expectEqual(
                store.auditEvents(accountID: "acct-ghost", since: nil, before: nil, limit: 10),
                [],
                "auditEvents of an unknown account"
            )
            let calls = try await store.messages(status: .pending, limit: 10).filter { $0.channel == .webhook }
            try expectEqual(calls.count, 4, "recordAudit(_:) writes the trail's webhook calls too")
        },

        StoreConformanceCheck(.audit, "taken-id", "A trail with a taken id is a conflict that writes none of it") { store in
            try await store.recordAudit(Fixture.trail("e-1"))
            var clash = Fixture.trail("e-2")
            clash.events.append(Fixture.auditEvent("e-1"))
            try await expectAccountError(.conflict, "recording a trail with a taken event id") {
                try await store.recordAudit(clash)
            }
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 10).map(\.id),
                ["e-1"],
                "events after the refused trail"
            )
            try await expectNil(store.message(id: "m-e-2"), "the refused trail's webhook call")
        },

        StoreConformanceCheck(.audit, "with-the-change", "Each change writes its trail with it, and only when it takes effect") { store in
            let alice = Fixture.account("alice")
            try await store.createAccount(
                alice,
                passwordHash: "h1",
                contacts: [Fixture.primaryEmail(of: alice)],
                audit: Fixture.trail("e-01", .accountCreated, of: alice)
            )
            try await expect(
                !store.setPasswordHash(accountID: "acct-ghost", hash: "h", at: Fixture.date(1), audit: Fixture.trail("e-02")),
                "setPasswordHash of an unknown account"
            )
            try await expect(
                store.setPasswordHash(
                    accountID: alice.accountID,
                    hash: "h2",
                    at: Fixture.date(2),
                    audit: Fixture.trail("e-03", .passwordChanged, of: alice)
                ),
                "setPasswordHash"
            )
            try await expectNil(
                store.markContactVerified(accountID: alice.accountID, kind: .email, value: "other@example.com", audit: Fixture.trail("e-04")),
                "markContactVerified of an unknown contact"
            )
            _ = try await store.markContactVerified(
                accountID: alice.accountID,
                kind: .email,
                value: alice.email,
                audit: Fixture.trail("e-05", .emailVerified, of: alice)
            )
            let epoch = try await store.account(id: alice.accountID)?.sessionEpoch ?? -1
            try await expectAccountError(.conflict, "insertSession under an old epoch") {
                try await store.insertSession(Fixture.session("s-old", of: alice), requiringAccountEpoch: epoch - 1, audit: Fixture.trail("e-06"))
            }
            try await store.insertSession(
                Fixture.session("s-1", of: alice),
                requiringAccountEpoch: epoch,
                audit: Fixture.trail("e-07", .loginSucceeded, of: alice)
            )
            try await expectEqual(
                store.revokeSessions(
                    .session(id: "s-ghost", accountID: alice.accountID),
                    reason: .logout,
                    at: Fixture.date(3),
                    audit: Fixture.trail("e-08")
                ),
                0,
                "revokeSessions of no open session"
            )
            try await expectEqual(
                store.revokeSessions(
                    .session(id: "s-1", accountID: alice.accountID),
                    reason: .logout,
                    at: Fixture.date(4),
                    audit: Fixture.trail("e-09", .logout, of: alice)
                ),
                1,
                "revokeSessions"
            )
            try await expect(
                !store.setDeactivated(accountID: "acct-ghost", true, at: Fixture.date(5), audit: Fixture.trail("e-10")),
                "setDeactivated of an unknown account"
            )
            try await expect(
                store.setDeactivated(
                    accountID: alice.accountID,
                    true,
                    at: Fixture.date(5),
                    audit: Fixture.trail("e-11", .accountDeactivated, of: alice)
                ),
                "setDeactivated"
            )
            try await expect(
                !store.changePrimaryEmail(accountID: "acct-ghost", to: "ghost@example.com", at: Fixture.date(6), audit: Fixture.trail("e-12")),
                "changePrimaryEmail of an unknown account"
            )
            try await expect(
                store.changePrimaryEmail(
                    accountID: alice.accountID,
                    to: "alice.new@example.com",
                    at: Fixture.date(6),
                    audit: Fixture.trail("e-13", .emailChanged, of: alice)
                ),
                "changePrimaryEmail"
            )
            try await store.insertSigningKey(Fixture.signingKey("k-1", signing: false, at: 0), audit: Fixture.trail("e-14", .signingKeyRotated))
            try await store.insertSigningKey(Fixture.signingKey("k-2", signing: true, at: 10), audit: .none)
            try await expect(!store.retireSigningKey(kid: "k-2", audit: Fixture.trail("e-15")), "retireSigningKey of the signing key")
            try await expect(store.retireSigningKey(kid: "k-1", audit: Fixture.trail("e-16", .signingKeyRetired)), "retireSigningKey")
            try await expect(!store.deleteAccount(accountID: "acct-ghost", audit: Fixture.trail("e-17")), "deleteAccount of an unknown account")
            try await expect(
                store.deleteAccount(accountID: alice.accountID, audit: Fixture.trail("e-18", .accountDeleted, of: alice)),
                "deleteAccount"
            )

            let written = ["e-01", "e-03", "e-05", "e-07", "e-09", "e-11", "e-13", "e-14", "e-16", "e-18"]
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 100).map(\.id),
                written.reversed(),
                "the events written: those of the changes that took effect, kept after the account was deleted"
            )
            let calls = try await store.messages(status: .pending, limit: 100).filter { $0.channel == .webhook }.map(\.id).sorted()
            try expectEqual(calls, written.map { "m-\($0)" }, "the webhook calls written, kept after the account was deleted")
        },

        StoreConformanceCheck(.audit, "atomic", "A trail that cannot be written undoes its change") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.recordAudit(Fixture.trail("e-1"))
            let before = try await store.account(id: alice.accountID)
            try await expectAccountError(.conflict, "setPasswordHash whose trail has a taken id") {
                _ = try await store.setPasswordHash(accountID: alice.accountID, hash: "h2", at: Fixture.date(9), audit: Fixture.trail("e-1"))
            }
            try await expectEqual(store.passwordHash(accountID: alice.accountID), "hash-v1", "the password hash after the refused change")
            try await expectEqual(store.account(id: alice.accountID), before, "the account after the refused change")
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: before?.sessionEpoch ?? 0)
            try await expectAccountError(.conflict, "revokeSessions whose trail has a taken id") {
                _ = try await store.revokeSessions(
                    .allSessions(accountID: alice.accountID),
                    reason: .logout,
                    at: Fixture.date(9),
                    audit: Fixture.trail("e-1")
                )
            }
            try await expect(store.session(id: "s-1")?.valid == true, "the session after the refused revocation is still valid")
        },

        StoreConformanceCheck(.audit, "sweep", "Events before the cut-off are deleted, the others kept") { store in
            try await store.recordAudit(Fixture.trail("e-1", at: 10))
            try await store.recordAudit(Fixture.trail("e-2", at: 20))
            try await store.recordAudit(Fixture.trail("e-3", at: 30))
            try await expectEqual(store.deleteAuditEvents(before: Fixture.date(20)), 1, "deleteAuditEvents(before:) returns how many went")
            try await expectEqual(store.auditEvents(accountID: nil, since: nil, before: nil, limit: 10).map(\.id), ["e-3", "e-2"], "the events kept")
            try await expectEqual(store.deleteAuditEvents(before: Fixture.date(20)), 0, "a second sweep deletes nothing")
        },
    ]
}
