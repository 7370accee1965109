import Gatehouse

extension StoreConformance {
    static let passkeyChecks: [StoreConformanceCheck] =
        passkeyRegistrationChecks + passkeyUseChecks + passkeyDeletionChecks + passkeyChallengeChecks

    /// The ids of `account`'s audit events, oldest first: what the checks compare trails with.
    private static func eventIDs(of account: AccountRecord, in store: any GatehouseStore) async throws -> [String] {
        try await store.auditEvents(accountID: account.accountID, since: nil, before: nil, limit: 100).map(\.id).reversed()
    }

    /// Stores `passkey` with no trail, failing the check when the store refuses it.
    private static func register(_ passkey: PasskeyRecord, in store: any GatehouseStore) async throws {
        try await expect(store.insertPasskey(passkey, audit: .none), "insertPasskey of \(passkey.id)")
    }

    private static let passkeyRegistrationChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.passkeys, "register", "A passkey reads back exactly, by account (oldest first) and by credential id, with its trail") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await expectEqual(store.passkeys(accountID: alice.accountID), [], "passkeys(accountID:) of an account with none")

            // Registered out of date order, two of them at the same time: read back by date, and those of
            // one date in the order they were registered.
            var later = Fixture.passkey("pk-1", of: alice, credential: 1, signCount: .max - 1, at: 20)
            later.lastUsedAt = Fixture.date(25)
            let first = Fixture.passkey("pk-3", of: alice, credential: 3, at: 10)
            let second = Fixture.passkey("pk-2", of: alice, credential: 2, signCount: 7, at: 10)
            let bobs = Fixture.passkey("pk-4", of: bob, credential: 4, at: 5)
            try await expectNil(store.passkey(credentialID: later.credentialID), "passkey(credentialID:) of an unknown credential id")
            for (index, passkey) in [later, first, second].enumerated() {
                try await expect(
                    store.insertPasskey(passkey, audit: Fixture.trail("e-\(index + 1)", .passkeyRegistered, of: alice)),
                    "insertPasskey of \(passkey.id)"
                )
            }
            try await expect(store.insertPasskey(bobs, audit: Fixture.trail("e-4", .passkeyRegistered, of: bob)), "insertPasskey of bob's")

            try await expectEqual(
                store.passkeys(accountID: alice.accountID),
                [first, second, later],
                "passkeys(accountID:) read back field for field, oldest first"
            )
            try await expectEqual(store.passkeys(accountID: bob.accountID), [bobs], "passkeys(accountID:) of the other account")
            try await expectEqual(store.passkey(credentialID: second.credentialID), second, "passkey(credentialID:)")
            try await expectEqual(store.passkey(credentialID: later.credentialID), later, "passkey(credentialID:) of a used passkey")
            try await expectEqual(store.passkey(credentialID: bobs.credentialID), bobs, "passkey(credentialID:) of the other account's passkey")
            try await expectNil(
                store.passkey(credentialID: Array(second.credentialID.dropLast())),
                "passkey(credentialID:) of a prefix of a credential id"
            )
            try await expectEqual(eventIDs(of: alice, in: store), ["e-1", "e-2", "e-3"], "the events written with the passkeys")
            _ = try await unwrap(store.message(id: "m-e-4"), "the webhook call written with the passkey")
        },

        StoreConformanceCheck(.passkeys, "register-refused", "A taken credential id or a missing account refuses the passkey, with no trail") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            let ghost = Fixture.account("ghost")
            let original = Fixture.passkey("pk-1", of: alice, credential: 1, at: 1)
            try await register(original, in: store)

            let refused: [(passkey: PasskeyRecord, account: AccountRecord, what: String)] = [
                (Fixture.passkey("pk-2", of: alice, credential: 1, at: 2), alice, "the same credential id again"),
                (Fixture.passkey("pk-3", of: bob, credential: 1, at: 2), bob, "a credential id of another account"),
                (Fixture.passkey("pk-4", of: ghost, credential: 4, at: 2), ghost, "an account that does not exist"),
            ]
            for (index, attempt) in refused.enumerated() {
                try await expect(
                    !store.insertPasskey(attempt.passkey, audit: Fixture.trail("e-\(index + 1)", .passkeyRegistered, of: attempt.account)),
                    "insertPasskey of \(attempt.what)"
                )
                try await expectNil(store.message(id: "m-e-\(index + 1)"), "the webhook call of the refused passkey of \(attempt.what)")
            }
            try await expectEqual(store.passkey(credentialID: original.credentialID), original, "the passkey whose credential id was taken")
            try await expectEqual(store.passkeys(accountID: alice.accountID), [original], "passkeys(accountID:) after the refusals")
            try await expectEqual(store.passkeys(accountID: bob.accountID), [], "passkeys(accountID:) of the other account")
            try await expectEqual(store.passkeys(accountID: ghost.accountID), [], "passkeys(accountID:) of the missing account")
            try await expectNil(store.passkey(credentialID: refused[2].passkey.credentialID), "passkey(credentialID:) of the missing account's")
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 10).map(\.id),
                [],
                "the events after the refused passkeys"
            )
        },
    ]

    private static let passkeyUseChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.passkeys, "sign-count", "A sign count is taken only when it grows, or stays zero where the authenticator has none") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            var counting = Fixture.passkey("pk-1", of: alice, credential: 1, signCount: 5, at: 1)
            var uncounted = Fixture.passkey("pk-2", of: alice, credential: 2, at: 2)
            try await register(counting, in: store)
            try await register(uncounted, in: store)
            try await expect(!store.usePasskey(id: "pk-ghost", signCount: 9, at: Fixture.date(10)), "usePasskey of an unknown passkey")

            let refused: [(count: UInt32, what: String)] = [(5, "the same count"), (4, "a lower count"), (0, "a count dropping to zero")]
            for attempt in refused {
                try await expect(
                    !store.usePasskey(id: counting.id, signCount: attempt.count, at: Fixture.date(10)),
                    "usePasskey with \(attempt.what)"
                )
            }
            try await expectEqual(store.passkey(credentialID: counting.credentialID), counting, "the passkey after the refused uses")
            try await expect(store.usePasskey(id: counting.id, signCount: 6, at: Fixture.date(11)), "usePasskey with a count one higher")
            try await expect(store.usePasskey(id: counting.id, signCount: .max, at: Fixture.date(12)), "usePasskey with the highest count")
            try await expect(!store.usePasskey(id: counting.id, signCount: .max, at: Fixture.date(13)), "usePasskey with the highest count again")
            counting.signCount = .max
            counting.lastUsedAt = Fixture.date(12)
            try await expectEqual(store.passkey(credentialID: counting.credentialID), counting, "the passkey after its uses")

            try await expect(store.usePasskey(id: uncounted.id, signCount: 0, at: Fixture.date(20)), "usePasskey of a zero count at zero")
            try await expect(store.usePasskey(id: uncounted.id, signCount: 0, at: Fixture.date(21)), "usePasskey of a zero count again")
            uncounted.lastUsedAt = Fixture.date(21)
            try await expectEqual(store.passkey(credentialID: uncounted.credentialID), uncounted, "the passkey that does not count")
            try await expect(
                store.usePasskey(id: uncounted.id, signCount: 1, at: Fixture.date(22)),
                "usePasskey of an authenticator that starts counting"
            )
            try await expect(!store.usePasskey(id: uncounted.id, signCount: 0, at: Fixture.date(23)), "usePasskey of a count dropping back to zero")
            uncounted.signCount = 1
            uncounted.lastUsedAt = Fixture.date(22)
            try await expectEqual(store.passkeys(accountID: alice.accountID), [counting, uncounted], "passkeys(accountID:) after the uses")
        },

        StoreConformanceCheck(.passkeys, "concurrent-use", "Of concurrent uses of a passkey reporting one count, one succeeds") { store in
            let accounts = (0..<4).map { Fixture.account("user\($0)") }
            for (index, account) in accounts.enumerated() {
                try await Fixture.create(account, in: store)
                try await register(Fixture.passkey("pk-\(index)", of: account, credential: UInt8(index + 1), signCount: 3), in: store)
            }
            let successes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for index in accounts.indices {
                    for _ in 0..<4 {
                        group.addTask { ("pk-\(index)", try await store.usePasskey(id: "pk-\(index)", signCount: 4, at: Fixture.date(10))) }
                    }
                }
                var successes: [String: Int] = [:]
                for try await (id, succeeded) in group where succeeded { successes[id, default: 0] += 1 }
                return successes
            }
            for (index, account) in accounts.enumerated() {
                try expectEqual(successes["pk-\(index)"] ?? 0, 1, "uses of one count by four concurrent requests of \(account.username)")
                try await expectEqual(store.passkeys(accountID: account.accountID).map(\.signCount), [4], "the sign count afterwards")
            }
        },
    ]

    private static let passkeyDeletionChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.passkeys, "delete", "Only its account deletes a passkey, with a trail only when it does, and frees its credential id")
        {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            let alices = Fixture.passkey("pk-1", of: alice, credential: 1)
            let bobs = Fixture.passkey("pk-2", of: bob, credential: 2)
            try await register(alices, in: store)
            try await register(bobs, in: store)

            try await expectEqual(
                store.deletePasskey(id: bobs.id, accountID: alice.accountID, audit: Fixture.trail("e-1", .passkeyRemoved, of: alice)),
                .notFound,
                "deletePasskey of another account's passkey"
            )
            try await expectEqual(
                store.deletePasskey(id: "pk-ghost", accountID: alice.accountID, audit: Fixture.trail("e-2", .passkeyRemoved, of: alice)),
                .notFound,
                "deletePasskey of an unknown passkey"
            )
            try await expectEqual(store.passkey(credentialID: bobs.credentialID), bobs, "the other account's passkey after the refused deletion")
            try await expectNil(store.message(id: "m-e-1"), "the webhook call of a refused deletion")

            try await expectEqual(
                store.deletePasskey(id: alices.id, accountID: alice.accountID, audit: Fixture.trail("e-3", .passkeyRemoved, of: alice)),
                .removed,
                "deletePasskey of the only passkey of an account with a password"
            )
            try await expectNil(store.passkey(credentialID: alices.credentialID), "passkey(credentialID:) once deleted")
            try await expectEqual(store.passkeys(accountID: alice.accountID), [], "passkeys(accountID:) once deleted")
            try await expectEqual(
                store.deletePasskey(id: alices.id, accountID: alice.accountID, audit: Fixture.trail("e-4", .passkeyRemoved, of: alice)),
                .notFound,
                "deletePasskey once deleted"
            )
            try await expect(!store.usePasskey(id: alices.id, signCount: 9, at: Fixture.date(5)), "usePasskey once deleted")
            try await expectEqual(eventIDs(of: alice, in: store), ["e-3"], "the events written: only the deletion's")
            try await expectEqual(eventIDs(of: bob, in: store), [], "the events of the other account")

            // Its credential id is free again, for any account.
            let again = Fixture.passkey("pk-3", of: bob, credential: 1, at: 5)
            try await register(again, in: store)
            try await expectEqual(store.passkeys(accountID: bob.accountID), [bobs, again], "passkeys(accountID:) with the credential id reused")
        },

        StoreConformanceCheck(.passkeys, "delete-account", "Deleting an account deletes its passkeys and its challenges") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await register(Fixture.passkey("pk-1", of: alice, credential: 1), in: store)
            try await register(Fixture.passkey("pk-2", of: alice, credential: 2), in: store)
            let bobs = Fixture.passkey("pk-3", of: bob, credential: 3)
            try await register(bobs, in: store)
            let bobsChallenge = Fixture.passkeyChallenge(3, .registration, of: bob, sessionID: "s-2")
            try await store.insertPasskeyChallenge(Fixture.passkeyChallenge(1, .registration, of: alice, sessionID: "s-1"))
            try await store.insertPasskeyChallenge(Fixture.passkeyChallenge(2, .authentication, of: alice))
            try await store.insertPasskeyChallenge(bobsChallenge)

            try await expect(store.deleteAccount(accountID: alice.accountID), "deleteAccount")
            try await expectEqual(store.passkeys(accountID: alice.accountID), [], "passkeys(accountID:) of the deleted account")
            try await expectNil(store.passkey(credentialID: Fixture.passkey("pk-1", of: alice, credential: 1).credentialID), "its passkey")
            try await expectNil(
                store.consumePasskeyChallenge(hash: Fixture.digest(1), purpose: .registration, at: Fixture.date(10)),
                "the deleted account's registration challenge"
            )
            try await expectNil(
                store.consumePasskeyChallenge(hash: Fixture.digest(2), purpose: .authentication, at: Fixture.date(10)),
                "the deleted account's login challenge"
            )
            try await expectEqual(store.passkeys(accountID: bob.accountID), [bobs], "passkeys(accountID:) of the other account")
            try await expectEqual(
                store.consumePasskeyChallenge(hash: Fixture.digest(3), purpose: .registration, at: Fixture.date(10)),
                bobsChallenge,
                "the other account's challenge"
            )

            // Made anew, the account has none, and its credential ids are free.
            try await Fixture.create(alice, in: store)
            try await expectEqual(store.passkeys(accountID: alice.accountID), [], "passkeys(accountID:) of the account made anew")
            try await register(Fixture.passkey("pk-4", of: alice, credential: 1, at: 5), in: store)
        },

        StoreConformanceCheck(.passkeys, "atomic", "A trail that cannot be written undoes the passkey's registration and its deletion") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.recordAudit(Fixture.trail("e-1"))
            let passkey = Fixture.passkey("pk-1", of: alice, credential: 1)
            try await expectAccountError(.conflict, "insertPasskey whose trail has a taken id") {
                _ = try await store.insertPasskey(passkey, audit: Fixture.trail("e-1", .passkeyRegistered, of: alice))
            }
            try await expectNil(store.passkey(credentialID: passkey.credentialID), "passkey(credentialID:) after the refused registration")
            try await expectEqual(store.passkeys(accountID: alice.accountID), [], "passkeys(accountID:) after the refused registration")

            try await register(passkey, in: store)
            try await expectAccountError(.conflict, "deletePasskey whose trail has a taken id") {
                _ = try await store.deletePasskey(id: passkey.id, accountID: alice.accountID, audit: Fixture.trail("e-1", .passkeyRemoved, of: alice))
            }
            try await expectEqual(store.passkey(credentialID: passkey.credentialID), passkey, "passkey(credentialID:) after the refused deletion")
            try await expectEqual(
                store.auditEvents(accountID: nil, since: nil, before: nil, limit: 10).map(\.id),
                ["e-1"],
                "the events after the refused changes"
            )
        },

        StoreConformanceCheck(
            .passkeys,
            "last-way-to-log-in",
            "A passkey counts as a way to log in: the last way stays, whether it is a passkey or an identity"
        ) { store in
            let carol = Fixture.account("carol")
            let identity = Fixture.identity("id-1", of: carol, subject: "1")
            try await Fixture.create(carol, in: store, identity: identity)
            let passkey = Fixture.passkey("pk-1", of: carol, credential: 1)
            try await register(passkey, in: store)
            try await expectEqual(
                store.unlinkIdentity(id: identity.id, accountID: carol.accountID, audit: Fixture.trail("e-1", .identityUnlinked, of: carol)),
                .removed,
                "unlinkIdentity of the only identity of an account with no password and a passkey"
            )
            try await expectEqual(
                store.deletePasskey(id: passkey.id, accountID: carol.accountID, audit: Fixture.trail("e-2", .passkeyRemoved, of: carol)),
                .lastWayToLogIn,
                "deletePasskey of the only way left to log in"
            )
            try await expectEqual(store.passkeys(accountID: carol.accountID), [passkey], "passkeys(accountID:) after the refusal")
            try await expectNil(store.message(id: "m-e-2"), "the webhook call of the refused deletion")

            try await expect(store.linkIdentity(Fixture.identity("id-2", of: carol, subject: "2"), audit: .none), "linkIdentity")
            try await expectEqual(
                store.deletePasskey(id: passkey.id, accountID: carol.accountID, audit: Fixture.trail("e-3", .passkeyRemoved, of: carol)),
                .removed,
                "deletePasskey of an account with an identity"
            )
            try await expectEqual(eventIDs(of: carol, in: store), ["e-1", "e-3"], "the events written: those of the removals")
        },

        StoreConformanceCheck(.passkeys, "concurrent-delete", "Concurrent deletions of an account's last two passkeys leave it one") { store in
            let accounts = (0..<8).map { Fixture.account("user\($0)") }
            for (index, account) in accounts.enumerated() {
                let identity = Fixture.identity("id-\(index)", of: account, subject: "\(index)")
                try await Fixture.create(account, in: store, identity: identity)
                try await register(Fixture.passkey("pk-\(index)-a", of: account, credential: UInt8(2 * index)), in: store)
                try await register(Fixture.passkey("pk-\(index)-b", of: account, credential: UInt8(2 * index + 1)), in: store)
                try await expectEqual(store.unlinkIdentity(id: identity.id, accountID: account.accountID, audit: .none), .removed, "unlinkIdentity")
            }
            let outcomes = try await withThrowingTaskGroup(of: (String, LoginMethodRemoval).self) { group in
                for (index, account) in accounts.enumerated() {
                    for id in ["pk-\(index)-a", "pk-\(index)-b"] {
                        group.addTask { (account.accountID, try await store.deletePasskey(id: id, accountID: account.accountID, audit: .none)) }
                    }
                }
                var outcomes: [String: [LoginMethodRemoval]] = [:]
                for try await (accountID, outcome) in group { outcomes[accountID, default: []].append(outcome) }
                return outcomes
            }
            for account in accounts {
                let outcome = outcomes[account.accountID] ?? []
                try expectEqual(outcome.filter { $0 == .removed }.count, 1, "deletions of \(account.username)'s last two passkeys that deleted")
                try expectEqual(outcome.filter { $0 == .lastWayToLogIn }.count, 1, "deletions refused as the last way to log in")
                try await expectEqual(store.passkeys(accountID: account.accountID).count, 1, "passkeys of \(account.username) left")
            }
        },
    ]

    private static let passkeyChallengeChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.passkeys, "challenge", "A challenge is taken once, only for its purpose, only before it expires") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let registration = Fixture.passkeyChallenge(1, .registration, of: alice, sessionID: "s-1")
            let login = Fixture.passkeyChallenge(2, .authentication)
            let accountLogin = Fixture.passkeyChallenge(3, .authentication, of: alice)
            for challenge in [registration, login, accountLogin] { try await store.insertPasskeyChallenge(challenge) }

            try await expectNil(
                store.consumePasskeyChallenge(hash: Fixture.digest(9), purpose: .authentication, at: Fixture.date(10)),
                "consumePasskeyChallenge of an unknown challenge"
            )
            for purpose in PasskeyChallengeRecord.Purpose.allCases where purpose != .registration {
                try await expectNil(
                    store.consumePasskeyChallenge(hash: registration.hash, purpose: purpose, at: Fixture.date(10)),
                    "consumePasskeyChallenge of a registration challenge for \(purpose)"
                )
            }
            try await expectEqual(
                store.consumePasskeyChallenge(hash: registration.hash, purpose: .registration, at: Fixture.date(10)),
                registration,
                "consumePasskeyChallenge read back field for field"
            )
            try await expectNil(
                store.consumePasskeyChallenge(hash: registration.hash, purpose: .registration, at: Fixture.date(11)),
                "consumePasskeyChallenge of a challenge taken already"
            )
            try await expectEqual(
                store.consumePasskeyChallenge(hash: login.hash, purpose: .authentication, at: Fixture.date(299)),
                login,
                "consumePasskeyChallenge of a login challenge, with no account nor session, a second before it expires"
            )
            try await expectNil(
                store.consumePasskeyChallenge(hash: accountLogin.hash, purpose: .authentication, at: Fixture.date(300)),
                "consumePasskeyChallenge at the instant the challenge expires"
            )
        },

        StoreConformanceCheck(.passkeys, "concurrent-challenge", "Of concurrent consumers of one challenge, one gets it") { store in
            let bytes: [UInt8] = [1, 2, 3, 4]
            for byte in bytes { try await store.insertPasskeyChallenge(Fixture.passkeyChallenge(byte)) }
            let successes = try await withThrowingTaskGroup(of: (UInt8, Bool).self) { group in
                for byte in bytes {
                    for _ in 0..<4 {
                        group.addTask {
                            let taken = try await store.consumePasskeyChallenge(
                                hash: Fixture.digest(byte),
                                purpose: .authentication,
                                at: Fixture.date(10)
                            )
                            return (byte, taken != nil)
                        }
                    }
                }
                var successes: [UInt8: Int] = [:]
                for try await (byte, succeeded) in group where succeeded { successes[byte, default: 0] += 1 }
                return successes
            }
            for byte in bytes {
                try expectEqual(successes[byte] ?? 0, 1, "takers of challenge digest(\(byte)) among four concurrent requests")
            }
        },

        StoreConformanceCheck(.passkeys, "challenge-sweep", "A new challenge sweeps the ones that expired before it was made") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let expired = Fixture.passkeyChallenge(1, .authentication, expiresAfter: 60)
            let expiredOfAccount = Fixture.passkeyChallenge(2, .registration, of: alice, sessionID: "s-1", expiresAfter: 60)
            let live = Fixture.passkeyChallenge(3, .authentication, expiresAfter: 600)
            let new = Fixture.passkeyChallenge(4, .registration, of: alice, sessionID: "s-1", at: 120)
            for challenge in [expired, expiredOfAccount, live, new] { try await store.insertPasskeyChallenge(challenge) }

            // Asked for at a time before they expired, the swept challenges are gone all the same.
            try await expectNil(
                store.consumePasskeyChallenge(hash: expired.hash, purpose: .authentication, at: Fixture.date(30)),
                "a login challenge that expired before the new one was made"
            )
            try await expectNil(
                store.consumePasskeyChallenge(hash: expiredOfAccount.hash, purpose: .registration, at: Fixture.date(30)),
                "an account's challenge that expired before the new one was made"
            )
            try await expectEqual(
                store.consumePasskeyChallenge(hash: live.hash, purpose: .authentication, at: Fixture.date(130)),
                live,
                "a challenge still valid when the new one was made"
            )
            try await expectEqual(
                store.consumePasskeyChallenge(hash: new.hash, purpose: .registration, at: Fixture.date(130)),
                new,
                "the new challenge"
            )
        },
    ]
}
