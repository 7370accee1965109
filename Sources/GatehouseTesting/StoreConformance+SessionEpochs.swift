import Gatehouse

extension StoreConformance {
    /// The session epoch of an account: the writes that move it, the ones that do not, and the
    /// conditional insert of a session that depends on it.
    static let sessionEpochChecks: [StoreConformanceCheck] = epochMoveChecks + conditionalInsertChecks

    private static let epochMoveChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.sessionEpochs, "new-account", "A new account is at session epoch 0, wherever it is read") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)
            try await expectEpoch(0, of: alice, in: store, sessionID: "s-1", "of a new account")
            try await expectEqual(
                store.accounts(limit: 10, offset: 0).map(\.sessionEpoch),
                [0],
                "sessionEpoch from accounts(limit:offset:) of a new account"
            )
        },

        StoreConformanceCheck(.sessionEpochs, "password-change", "A password change moves the account to its next epoch") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)

            try await expect(
                store.setPasswordHash(accountID: alice.accountID, hash: "scrypt$second", at: Fixture.date(60)),
                "setPasswordHash(accountID:hash:at:) of an existing account returns true"
            )
            try await expectEpoch(1, of: alice, in: store, sessionID: "s-1", "after a password change")
            _ = try await store.setPasswordHash(accountID: alice.accountID, hash: "scrypt$third", at: Fixture.date(70))
            try await expectEpoch(2, of: alice, in: store, sessionID: "s-1", "after a second password change")
            try await expectEpoch(0, of: bob, in: store, "of another account")
        },

        StoreConformanceCheck(
            .sessionEpochs,
            "deactivation",
            "Deactivating and reactivating an account each move it to its next epoch"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)

            try await expect(
                store.setDeactivated(accountID: alice.accountID, true, at: Fixture.date(30)),
                "setDeactivated(accountID:_:at:) of an existing account returns true"
            )
            try await expectEpoch(1, of: alice, in: store, sessionID: "s-1", "after deactivation")
            try await expect(
                store.setDeactivated(accountID: alice.accountID, false, at: Fixture.date(40)),
                "setDeactivated(accountID:_:at:) reactivating an account returns true"
            )
            try await expectEpoch(2, of: alice, in: store, sessionID: "s-1", "after reactivation")
            try await expectEpoch(0, of: bob, in: store, "of another account")
        },

        StoreConformanceCheck(
            .sessionEpochs,
            "revocation",
            "Ending all sessions, or all but one, moves the epoch, even with none left to end; ending one does not"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            for index in 1...3 {
                try await store.insertSession(Fixture.session("s-\(index)", of: alice, hash: UInt8(index)), requiringAccountEpoch: 0)
            }

            _ = try await store.revokeSessions(.session(id: "s-1", accountID: alice.accountID), reason: .logout, at: Fixture.date(10))
            try await expectEpoch(0, of: alice, in: store, sessionID: "s-2", "after ending one session")
            _ = try await store.revokeSessions(
                .allSessionsExcept(sessionID: "s-3", accountID: alice.accountID),
                reason: .logout,
                at: Fixture.date(20)
            )
            try await expectEpoch(1, of: alice, in: store, sessionID: "s-3", "after ending all sessions but one")
            _ = try await store.revokeSessions(.allSessions(accountID: alice.accountID), reason: .logout, at: Fixture.date(30))
            try await expectEpoch(2, of: alice, in: store, sessionID: "s-3", "after ending all sessions")

            // A login in flight has no session yet: ending "all" of none must still stop it.
            try await expectEqual(
                store.revokeSessions(.allSessions(accountID: alice.accountID), reason: .logout, at: Fixture.date(40)),
                0,
                "revokeSessions(.allSessions) count when none is valid"
            )
            try await expectEpoch(3, of: alice, in: store, "after ending all sessions when none was valid")
            _ = try await store.revokeSessions(.session(id: "s-1", accountID: alice.accountID), reason: .logout, at: Fixture.date(50))
            try await expectEpoch(3, of: alice, in: store, "after ending one session that had already ended")

            try await expectEpoch(0, of: bob, in: store, "of another account after the first account's revocations")
            _ = try await store.revokeSessions(
                .allSessionsExcept(sessionID: "s-none", accountID: bob.accountID),
                reason: .logout,
                at: Fixture.date(60)
            )
            try await expectEpoch(1, of: bob, in: store, "after ending all but one of no sessions")
        },
    ]

    private static let conditionalInsertChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.sessionEpochs, "insert-current-epoch", "A session is stored under the account's current epoch") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            _ = try await store.setPasswordHash(accountID: alice.accountID, hash: "scrypt$second", at: Fixture.date(10))
            _ = try await store.revokeSessions(.allSessions(accountID: alice.accountID), reason: .passwordChanged, at: Fixture.date(10))
            let epoch = try await unwrap(store.account(id: alice.accountID), "account(id:) of the account").sessionEpoch
            try expectEqual(epoch, 2, "sessionEpoch after a password change and the end of all sessions")

            let session = Fixture.session("s-1", of: alice, at: 20)
            try await store.insertSession(session, requiringAccountEpoch: epoch)
            try await expectEqual(store.session(id: "s-1"), session, "session(id:) of a session inserted under the current epoch")
            try await expectEqual(
                store.sessions(accountID: alice.accountID, includeInvalid: false).map(\.id),
                ["s-1"],
                "ids of the account's valid sessions"
            )
            try await expectEpoch(2, of: alice, in: store, sessionID: "s-1", "after inserting a session")
        },

        StoreConformanceCheck(.sessionEpochs, "stale-epoch-refused", "A session under another epoch is a conflict that writes nothing") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            // A login read epoch 0, then the password changed while it checked the old one.
            _ = try await store.setPasswordHash(accountID: alice.accountID, hash: "scrypt$second", at: Fixture.date(10))

            try await expectAccountError(.conflict, detail: .accountChanged, "inserting a session under an epoch the account left") {
                try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)
            }
            try await expectNil(store.session(id: "s-1"), "session(id:) of the refused session")
            try await expectNil(store.sessionWithAccount(id: "s-1"), "sessionWithAccount(id:) of the refused session")
            try await expectEqual(store.sessions(accountID: alice.accountID, includeInvalid: true), [], "sessions of the account")
            try await expectAccountError(.conflict, detail: .accountChanged, "inserting a session under an epoch the account has not reached") {
                try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 2)
            }
            try await expectNil(store.session(id: "s-1"), "session(id:) of the session refused under a later epoch")
            try await expectEpoch(1, of: alice, in: store, "after the refused inserts")

            // Nothing of the refused session stayed behind: its id is free.
            let session = Fixture.session("s-1", of: alice, hash: 2)
            try await store.insertSession(session, requiringAccountEpoch: 1)
            try await expectEqual(store.session(id: "s-1"), session, "session(id:) inserted under the current epoch after the refusals")
        },

        StoreConformanceCheck(.sessionEpochs, "deactivated-refused", "A deactivated account gets no session, and nothing is written") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            _ = try await store.setDeactivated(accountID: alice.accountID, true, at: Fixture.date(10))
            let epoch = try await unwrap(store.account(id: alice.accountID), "account(id:) of the deactivated account").sessionEpoch

            try await expectAccountError(.userDeactivated, "inserting a session of a deactivated account under its current epoch") {
                try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: epoch)
            }
            try await expectNil(store.session(id: "s-1"), "session(id:) of the refused session")
            try await expectEqual(store.sessions(accountID: alice.accountID, includeInvalid: true), [], "sessions of the deactivated account")

            _ = try await store.setDeactivated(accountID: alice.accountID, false, at: Fixture.date(20))
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: epoch + 1)
            try await expectEqual(store.session(id: "s-1")?.valid, true, "valid of a session inserted after reactivation")
        },

        StoreConformanceCheck(.sessionEpochs, "missing-account-refused", "A session of an unknown account is refused under any epoch") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let ghost = Fixture.account("ghost")
            for epoch in [0, 1] {
                try await expectAccountError(.userNotFound, "inserting a session of an unknown account under epoch \(epoch)") {
                    try await store.insertSession(Fixture.session("s-ghost", of: ghost), requiringAccountEpoch: epoch)
                }
            }
            try await expectNil(store.session(id: "s-ghost"), "session(id:) of the refused session")
            try await expectEqual(store.sessions(accountID: ghost.accountID, includeInvalid: true), [], "sessions of the unknown account")
            try await expectEpoch(0, of: alice, in: store, "of another account")
        },

        StoreConformanceCheck(
            .sessionEpochs,
            "insert-racing-revoke-all",
            "Of 30 logins racing the end of all sessions, none leaves a valid session behind"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let ids = (0..<30).map { "s-\($0)" }

            // Each login read epoch 0 before the account's sessions were all ended.
            let inserted = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    _ = try await store.revokeSessions(.allSessions(accountID: alice.accountID), reason: .logout, at: Fixture.date(5))
                    return nil
                }
                for id in ids {
                    group.addTask {
                        do {
                            try await store.insertSession(Fixture.session(id, of: alice), requiringAccountEpoch: 0)
                            return id
                        } catch let error as AccountError where error.code == .conflict && error.detail == .accountChanged {
                            return nil
                        }
                    }
                }
                var inserted: [String] = []
                for try await id in group { if let id { inserted.append(id) } }
                return inserted
            }

            let sessions = try await store.sessions(accountID: alice.accountID, includeInvalid: true)
            try expectEqual(sessions.filter(\.valid).map(\.id), [], "ids of valid sessions after the race")
            try expectEqual(Set(sessions.map(\.id)), Set(inserted), "ids of the sessions stored, against the inserts reported done")
            try expectEqual(
                sessions.filter { $0.revokedReason != .logout }.map(\.id),
                [],
                "ids of stored sessions not ended with reason logout"
            )
            try await expectEpoch(1, of: alice, in: store, "after the race")
        },
    ]

    /// Fails unless every read of `account` shows session epoch `expected`: by id, by username and,
    /// when `sessionID` names a session of the account, through `sessionWithAccount(id:)`.
    private static func expectEpoch(
        _ expected: Int,
        of account: AccountRecord,
        in store: any GatehouseStore,
        sessionID: String? = nil,
        _ when: String,
        fileID: String = #fileID,
        filePath: String = #filePath,
        line: Int = #line
    ) async throws {
        try await expectEqual(
            store.account(id: account.accountID)?.sessionEpoch,
            expected,
            "sessionEpoch from account(id:) \(when)",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
        try await expectEqual(
            store.account(username: account.username)?.sessionEpoch,
            expected,
            "sessionEpoch from account(username:) \(when)",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
        guard let sessionID else { return }
        try await expectEqual(
            store.sessionWithAccount(id: sessionID)?.account?.sessionEpoch,
            expected,
            "sessionEpoch from sessionWithAccount(id:) \(when)",
            fileID: fileID,
            filePath: filePath,
            line: line
        )
    }
}
