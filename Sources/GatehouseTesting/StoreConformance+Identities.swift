import Gatehouse

extension StoreConformance {
    static let identityChecks: [StoreConformanceCheck] = creationIdentityChecks + linkingChecks + unlinkingChecks + providerTokenChecks

    /// The ids of the audit events in `store`, oldest first: what the checks compare trails with.
    private static func eventIDs(_ store: any GatehouseStore) async throws -> [String] {
        try await store.auditEvents(accountID: nil, since: nil, before: nil, limit: 100).map(\.id).reversed()
    }

    private static let creationIdentityChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.identities, "create-with-identity", "An account created with an identity has no password until one is set") {
            store in
            let alice = Fixture.account("alice", at: 5)
            let identity = Fixture.identity("id-1", of: alice, subject: "alice-sub", at: 5)
            try await store.createAccount(
                alice,
                identity: identity,
                contacts: [Fixture.primaryEmail(of: alice)],
                audit: Fixture.trail("e-1", .accountCreated, of: alice)
            )

            try await expectEqual(store.account(id: alice.accountID), alice, "account(id:) of an account created with an identity")
            try await expectEqual(store.account(username: "alice"), alice, "account(username:) of an account created with an identity")
            try await expectNil(store.passwordHash(accountID: alice.accountID), "passwordHash(accountID:) of an account created with an identity")
            try await expectEqual(store.contacts(accountID: alice.accountID), [Fixture.primaryEmail(of: alice)], "contacts(accountID:)")
            try await expectEqual(store.identities(accountID: alice.accountID), [identity], "identities(accountID:) read back field for field")
            try await expectEqual(store.identity(issuer: Fixture.issuer, subject: "alice-sub"), identity, "identity(issuer:subject:)")
            try await expectEqual(eventIDs(store), ["e-1"], "the events written with the account")
            try await expect(store.message(id: "m-e-1") != nil, "the webhook call written with the account")

            try await expect(store.setPasswordHash(accountID: alice.accountID, hash: "hash-v2", at: Fixture.date(9)), "setPasswordHash")
            try await expectEqual(store.passwordHash(accountID: alice.accountID), "hash-v2", "passwordHash(accountID:) once a password is set")
            try await expectEqual(store.identities(accountID: alice.accountID), [identity], "identities(accountID:) once a password is set")
        },

        StoreConformanceCheck(
            .identities,
            "create-identity-taken",
            "Creating an account with a taken identity is a conflict that leaves no account behind"
        ) {
            store in
            let alice = Fixture.account("alice")
            try await Fixture.create(alice, in: store, identity: Fixture.identity("id-1", of: alice, subject: "1"))
            let carol = Fixture.account("carol")
            try await expectAccountError(.conflict, detail: .identityTaken, "creating an account with an identity linked to another") {
                try await store.createAccount(
                    carol,
                    identity: Fixture.identity("id-2", of: carol, subject: "1"),
                    contacts: [Fixture.primaryEmail(of: carol)],
                    audit: Fixture.trail("e-2", .accountCreated, of: carol)
                )
            }
            try await expectNil(store.account(id: carol.accountID), "account(id:) of the refused account")
            try await expectNil(store.account(username: "carol"), "account(username:) of the refused account")
            try await expectNil(store.account(email: carol.email), "account(email:) of the refused account's address")
            try await expectEqual(store.contacts(accountID: carol.accountID), [], "contacts(accountID:) of the refused account")
            try await expectEqual(store.identities(accountID: carol.accountID), [], "identities(accountID:) of the refused account")
            try await expectEqual(store.identity(issuer: Fixture.issuer, subject: "1")?.accountID, alice.accountID, "the identity's account")
            try await expectEqual(eventIDs(store), [], "the events after the refused account")
            try await expectNil(store.message(id: "m-e-2"), "the refused account's webhook call")

            try await expectAccountError(.conflict, detail: .usernameTaken, "creating an account with a free identity and a taken username") {
                var again = Fixture.account("alice", email: "impostor@example.com")
                again.accountID = "acct-impostor"
                try await store.createAccount(
                    again,
                    identity: Fixture.identity("id-3", of: again, subject: "3"),
                    contacts: [Fixture.primaryEmail(of: again)],
                    audit: .none
                )
            }
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "3"), "the identity of the account refused for its username")
            try await expectNil(store.account(id: "acct-impostor"), "account(id:) of the account refused for its username")

            // Nothing of the refused accounts is left taken.
            try await Fixture.create(carol, in: store, identity: Fixture.identity("id-2", of: carol, subject: "2"))
            try await expectEqual(store.account(email: carol.email), carol, "account(email:) of the account created after the refusal")
            try await expectEqual(
                store.identities(accountID: carol.accountID).map(\.subject),
                ["2"],
                "identities(accountID:) of the account created after the refusal"
            )
        },
    ]

    private static let linkingChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.identities, "lookup", "An identity is found by its exact issuer and subject, and by no other pair") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let first = Fixture.identity("id-1", of: alice, subject: "Sub-1")
            let other = Fixture.identity("id-2", of: alice, subject: "Sub-1", issuer: "https://id.example.org")
            try await expectEqual(store.identities(accountID: alice.accountID), [], "identities(accountID:) of an account with none")
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "Sub-1"), "identity(issuer:subject:) of an empty store")
            try await expect(store.linkIdentity(first, audit: .none), "linkIdentity")
            try await expect(store.linkIdentity(other, audit: .none), "linkIdentity of the same subject at another issuer")

            try await expectEqual(store.identity(issuer: Fixture.issuer, subject: "Sub-1"), first, "identity(issuer:subject:)")
            try await expectEqual(
                store.identity(issuer: "https://id.example.org", subject: "Sub-1"),
                other,
                "identity(issuer:subject:) at the other issuer"
            )
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "sub-1"), "identity(issuer:subject:) of a subject in another case")
            try await expectNil(
                store.identity(issuer: Fixture.issuer + "/", subject: "Sub-1"),
                "identity(issuer:subject:) of an issuer with a slash more"
            )
            try await expectNil(store.identity(issuer: "https://id.example.org", subject: "Sub-2"), "identity(issuer:subject:) of an unknown subject")
            try await expectEqual(store.identities(accountID: "acct-ghost"), [], "identities(accountID:) of an unknown account")
        },

        StoreConformanceCheck(.identities, "listing-order", "An account's identities are listed oldest first, and only its own") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            let late = Fixture.identity("id-a", of: alice, subject: "late", at: 30)
            let early = Fixture.identity("id-b", of: alice, subject: "early", at: 10)
            let middle = Fixture.identity("id-c", of: alice, subject: "middle", at: 20)
            for identity in [late, Fixture.identity("id-d", of: bob, subject: "bob", at: 15), early, middle] {
                try await expect(store.linkIdentity(identity, audit: .none), "linkIdentity of \(identity.id)")
            }
            try await expectEqual(store.identities(accountID: alice.accountID), [early, middle, late], "identities(accountID:), oldest first")
            try await expectEqual(store.identities(accountID: bob.accountID).map(\.id), ["id-d"], "identities(accountID:) of the other account")
        },

        StoreConformanceCheck(.identities, "link", "An identity links to an existing account, with its trail, and not to a missing one") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let identity = Fixture.identity("id-1", of: alice, subject: "1", at: 7)
            try await expect(store.linkIdentity(identity, audit: Fixture.trail("e-1", .identityLinked, of: alice)), "linkIdentity")
            try await expectEqual(store.identities(accountID: alice.accountID), [identity], "identities(accountID:) after linkIdentity")
            try await expectEqual(store.passwordHash(accountID: alice.accountID), "hash-v1", "passwordHash(accountID:) after linkIdentity")

            let ghost = Fixture.identity("id-2", of: Fixture.account("ghost"), subject: "2")
            try await expect(!store.linkIdentity(ghost, audit: Fixture.trail("e-2", .identityLinked)), "linkIdentity to a missing account")
            try await expectNil(
                store.identity(issuer: Fixture.issuer, subject: "2"),
                "identity(issuer:subject:) of the identity of a missing account"
            )
            try await expectEqual(store.identities(accountID: ghost.accountID), [], "identities(accountID:) of the missing account")
            try await expectEqual(eventIDs(store), ["e-1"], "the events written: only the link's")
            try await expectNil(store.message(id: "m-e-2"), "the webhook call of the link to a missing account")
        },

        StoreConformanceCheck(.identities, "identity-taken", "A linked identity is a conflict for any account, and writes nothing") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            let identity = Fixture.identity("id-1", of: alice, subject: "1")
            try await expect(store.linkIdentity(identity, audit: Fixture.trail("e-1", .identityLinked, of: alice)), "linkIdentity")

            try await expectAccountError(.conflict, detail: .identityTaken, "linking to another account an identity linked already") {
                _ = try await store.linkIdentity(
                    Fixture.identity("id-2", of: bob, subject: "1"),
                    audit: Fixture.trail("e-2", .identityLinked, of: bob)
                )
            }
            try await expectAccountError(.conflict, detail: .identityTaken, "linking an identity to its account again") {
                _ = try await store.linkIdentity(
                    Fixture.identity("id-3", of: alice, subject: "1"),
                    audit: Fixture.trail("e-3", .identityLinked, of: alice)
                )
            }
            try await expectAccountError(.conflict, "linking an identity under the id of another") {
                _ = try await store.linkIdentity(
                    Fixture.identity("id-1", of: bob, subject: "4"),
                    audit: Fixture.trail("e-4", .identityLinked, of: bob)
                )
            }
            try await expectEqual(store.identity(issuer: Fixture.issuer, subject: "1"), identity, "the identity after the refused links")
            try await expectEqual(store.identities(accountID: alice.accountID), [identity], "identities(accountID:) after the refused links")
            try await expectEqual(store.identities(accountID: bob.accountID), [], "identities(accountID:) of the account refused the identity")
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "4"), "the identity refused for its id")
            try await expectEqual(eventIDs(store), ["e-1"], "the events after the refused links")
            for id in ["m-e-2", "m-e-3", "m-e-4"] {
                try await expectNil(store.message(id: id), "the webhook call \(id) of a refused link")
            }
        },
    ]

    private static let unlinkingChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.identities, "unlink", "Unlinking removes the account's identity, with its trail; another id is not found") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            let first = Fixture.identity("id-1", of: alice, subject: "1", at: 1)
            let second = Fixture.identity("id-2", of: alice, subject: "2", at: 2)
            let bobs = Fixture.identity("id-3", of: bob, subject: "3", at: 3)
            for identity in [first, second, bobs] {
                try await expect(store.linkIdentity(identity, audit: .none), "linkIdentity of \(identity.id)")
            }

            try await expectEqual(
                store.unlinkIdentity(id: bobs.id, accountID: alice.accountID, audit: Fixture.trail("e-1", .identityUnlinked, of: alice)),
                .notFound,
                "unlinkIdentity of another account's identity"
            )
            try await expectEqual(
                store.unlinkIdentity(id: "id-ghost", accountID: alice.accountID, audit: Fixture.trail("e-2", .identityUnlinked, of: alice)),
                .notFound,
                "unlinkIdentity of an unknown id"
            )
            try await expectEqual(
                store.unlinkIdentity(id: first.id, accountID: "acct-ghost", audit: Fixture.trail("e-3", .identityUnlinked)),
                .notFound,
                "unlinkIdentity of an unknown account"
            )
            try await expectEqual(
                store.unlinkIdentity(id: first.id, accountID: alice.accountID, audit: Fixture.trail("e-4", .identityUnlinked, of: alice)),
                .removed,
                "unlinkIdentity"
            )
            try await expectEqual(store.identities(accountID: alice.accountID), [second], "identities(accountID:) after unlinkIdentity")
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "1"), "identity(issuer:subject:) of the unlinked identity")
            try await expectEqual(store.identities(accountID: bob.accountID), [bobs], "identities(accountID:) of the other account")
            try await expectEqual(
                store.unlinkIdentity(id: first.id, accountID: alice.accountID, audit: Fixture.trail("e-5", .identityUnlinked, of: alice)),
                .notFound,
                "unlinkIdentity of an identity unlinked already"
            )
            try await expectEqual(eventIDs(store), ["e-4"], "the events written: only the unlinking's")
            let calls = try await store.messages(status: .pending, limit: 100).filter { $0.channel == .webhook }.map(\.id)
            try expectEqual(calls, ["m-e-4"], "the webhook calls written: only the unlinking's")

            // Unlinked, the identity is free to link again.
            try await expect(
                store.linkIdentity(Fixture.identity("id-4", of: bob, subject: "1"), audit: .none),
                "linkIdentity of the unlinked identity"
            )
        },

        StoreConformanceCheck(.identities, "last-way-to-log-in", "The last way to log in stays; a password or another identity lets an identity go") {
            store in
            let carol = Fixture.account("carol")
            let first = Fixture.identity("id-1", of: carol, subject: "1", at: 1)
            let second = Fixture.identity("id-2", of: carol, subject: "2", at: 2)
            try await Fixture.create(carol, in: store, identity: first)
            try await expectEqual(
                store.unlinkIdentity(id: first.id, accountID: carol.accountID, audit: Fixture.trail("e-1", .identityUnlinked, of: carol)),
                .lastWayToLogIn,
                "unlinkIdentity of the only identity of an account with no password"
            )
            try await expectEqual(store.identities(accountID: carol.accountID), [first], "identities(accountID:) after the refusal")

            try await expect(store.linkIdentity(second, audit: .none), "linkIdentity of a second identity")
            try await expectEqual(
                store.unlinkIdentity(id: first.id, accountID: carol.accountID, audit: Fixture.trail("e-2", .identityUnlinked, of: carol)),
                .removed,
                "unlinkIdentity of one of two identities of an account with no password"
            )
            try await expectEqual(
                store.unlinkIdentity(id: second.id, accountID: carol.accountID, audit: Fixture.trail("e-3", .identityUnlinked, of: carol)),
                .lastWayToLogIn,
                "unlinkIdentity of the identity left"
            )
            try await expectEqual(store.identities(accountID: carol.accountID), [second], "identities(accountID:) after the second refusal")

            try await expect(store.setPasswordHash(accountID: carol.accountID, hash: "hash-v2", at: Fixture.date(5)), "setPasswordHash")
            try await expectEqual(
                store.unlinkIdentity(id: second.id, accountID: carol.accountID, audit: Fixture.trail("e-4", .identityUnlinked, of: carol)),
                .removed,
                "unlinkIdentity of the only identity of an account with a password"
            )
            try await expectEqual(store.identities(accountID: carol.accountID), [], "identities(accountID:) of the account left with its password")

            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let alices = Fixture.identity("id-3", of: alice, subject: "3")
            try await expect(store.linkIdentity(alices, audit: .none), "linkIdentity to an account with a password")
            try await expectEqual(
                store.unlinkIdentity(id: alices.id, accountID: alice.accountID, audit: Fixture.trail("e-5", .identityUnlinked, of: alice)),
                .removed,
                "unlinkIdentity of the only identity of an account created with a password"
            )
            try await expectEqual(eventIDs(store), ["e-2", "e-4", "e-5"], "the events written: only those of the identities unlinked")
            for id in ["m-e-1", "m-e-3"] {
                try await expectNil(store.message(id: id), "the webhook call \(id) of a refused unlinking")
            }
        },

        StoreConformanceCheck(.identities, "concurrent-unlink", "Concurrent unlinkings of an account's last two identities leave it one") { store in
            let accounts = (0..<8).map { Fixture.account("user\($0)") }
            for (index, account) in accounts.enumerated() {
                try await Fixture.create(account, in: store, identity: Fixture.identity("id-\(index)-a", of: account, subject: "\(index)-a"))
                try await expect(
                    store.linkIdentity(Fixture.identity("id-\(index)-b", of: account, subject: "\(index)-b", at: 1), audit: .none),
                    "linkIdentity of a second identity"
                )
            }
            let outcomes = try await withThrowingTaskGroup(of: (String, LoginMethodRemoval).self) { group in
                for (index, account) in accounts.enumerated() {
                    for id in ["id-\(index)-a", "id-\(index)-b"] {
                        group.addTask {
                            (account.accountID, try await store.unlinkIdentity(id: id, accountID: account.accountID, audit: .none))
                        }
                    }
                }
                var outcomes: [String: [LoginMethodRemoval]] = [:]
                for try await (accountID, outcome) in group { outcomes[accountID, default: []].append(outcome) }
                return outcomes
            }
            for account in accounts {
                let outcome = outcomes[account.accountID] ?? []
                try expectEqual(
                    outcome.filter { $0 == .removed }.count,
                    1,
                    "number of two concurrent unlinkings of \(account.username)'s last two identities that unlinked"
                )
                try expectEqual(outcome.filter { $0 == .lastWayToLogIn }.count, 1, "number of them refused as the last way to log in")
                try await expectEqual(store.identities(accountID: account.accountID).count, 1, "identities of \(account.username) left")
            }
        },

        StoreConformanceCheck(.identities, "delete-account", "Deleting an account deletes its identities, which can be linked again") { store in
            let alice = Fixture.account("alice")
            let first = Fixture.identity("id-1", of: alice, subject: "1")
            let second = Fixture.identity("id-2", of: alice, subject: "2", at: 1)
            try await Fixture.create(alice, in: store, identity: first)
            try await expect(store.linkIdentity(second, audit: .none), "linkIdentity")
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            let bobs = Fixture.identity("id-3", of: bob, subject: "3")
            try await expect(store.linkIdentity(bobs, audit: .none), "linkIdentity to the other account")

            try await expect(store.deleteAccount(accountID: alice.accountID), "deleteAccount")
            try await expectEqual(store.identities(accountID: alice.accountID), [], "identities(accountID:) of the deleted account")
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "1"), "identity(issuer:subject:) of the deleted account's identity")
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "2"), "identity(issuer:subject:) of its other identity")
            try await expectEqual(store.identities(accountID: bob.accountID), [bobs], "identities(accountID:) of the other account")

            var moved = first
            moved.accountID = bob.accountID
            try await expect(store.linkIdentity(moved, audit: .none), "linkIdentity of the deleted account's identity to another account")
            try await expectEqual(store.identity(issuer: Fixture.issuer, subject: "1"), moved, "identity(issuer:subject:) linked again")
            try await Fixture.create(alice, in: store, identity: second)
            try await expectEqual(store.identities(accountID: alice.accountID), [second], "identities(accountID:) of the account made anew")
        },

        StoreConformanceCheck(.identities, "atomic", "A trail that cannot be written undoes the link, the unlinking and the account") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.recordAudit(Fixture.trail("e-1"))
            let identity = Fixture.identity("id-1", of: alice, subject: "1")
            try await expectAccountError(.conflict, "linkIdentity whose trail has a taken id") {
                _ = try await store.linkIdentity(identity, audit: Fixture.trail("e-1", .identityLinked, of: alice))
            }
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "1"), "the identity after the refused link")

            let carol = Fixture.account("carol")
            try await expectAccountError(.conflict, "createAccount(_:identity:contacts:audit:) whose trail has a taken id") {
                try await store.createAccount(
                    carol,
                    identity: Fixture.identity("id-2", of: carol, subject: "2"),
                    contacts: [Fixture.primaryEmail(of: carol)],
                    audit: Fixture.trail("e-1", .accountCreated, of: carol)
                )
            }
            try await expectNil(store.account(username: "carol"), "the account after the refused creation")
            try await expectNil(store.identity(issuer: Fixture.issuer, subject: "2"), "the identity after the refused creation")

            try await expect(store.linkIdentity(identity, audit: .none), "linkIdentity")
            try await expectAccountError(.conflict, "unlinkIdentity whose trail has a taken id") {
                _ = try await store.unlinkIdentity(
                    id: identity.id,
                    accountID: alice.accountID,
                    audit: Fixture.trail("e-1", .identityUnlinked, of: alice)
                )
            }
            try await expectEqual(store.identities(accountID: alice.accountID), [identity], "identities(accountID:) after the refused unlinking")
            try await expectEqual(eventIDs(store), ["e-1"], "the events after the refused changes")
        },
    ]

    /// Sealed provider tokens: every byte value, a zero among them, so that a store that keeps them as
    /// text, or stops at a zero, gives back something else.
    private static let sealedTokens: [UInt8] = Array(0...255)

    private static let providerTokenChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.identities, "provider-tokens", "An identity's sealed provider tokens read back exactly, are replaced and deleted") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let first = Fixture.identity("id-1", of: alice, subject: "1")
            let second = Fixture.identity("id-2", of: alice, subject: "2")
            for identity in [first, second] {
                try await expect(store.linkIdentity(identity, audit: .none), "linkIdentity of \(identity.id)")
            }
            try await expectNil(store.providerTokens(identityID: first.id), "providerTokens(identityID:) of an identity with none")

            try await expect(store.setProviderTokens(sealedTokens, identityID: first.id, at: Fixture.date(1)), "setProviderTokens")
            try await expectEqual(store.providerTokens(identityID: first.id), sealedTokens, "providerTokens(identityID:) read back byte for byte")
            try await expectNil(store.providerTokens(identityID: second.id), "providerTokens(identityID:) of the account's other identity")

            let replacement: [UInt8] = [0, 42, 0]
            try await expect(store.setProviderTokens(replacement, identityID: first.id, at: Fixture.date(2)), "setProviderTokens replacing them")
            try await expectEqual(store.providerTokens(identityID: first.id), replacement, "providerTokens(identityID:) once replaced")
            try await expect(store.setProviderTokens([], identityID: first.id, at: Fixture.date(3)), "setProviderTokens with no bytes")
            try await expectEqual(store.providerTokens(identityID: first.id), [], "providerTokens(identityID:) of no bytes")
            try await expect(store.setProviderTokens([7], identityID: second.id, at: Fixture.date(3)), "setProviderTokens of the other identity")

            try await expect(store.setProviderTokens(nil, identityID: first.id, at: Fixture.date(4)), "setProviderTokens(nil)")
            try await expectNil(store.providerTokens(identityID: first.id), "providerTokens(identityID:) once deleted")
            try await expect(store.setProviderTokens(nil, identityID: first.id, at: Fixture.date(5)), "setProviderTokens(nil) with none kept")
            try await expectEqual(store.providerTokens(identityID: second.id), [7], "providerTokens(identityID:) of the other identity")
            try await expect(store.setProviderTokens(sealedTokens, identityID: first.id, at: Fixture.date(6)), "setProviderTokens once deleted")
            try await expectEqual(store.providerTokens(identityID: first.id), sealedTokens, "providerTokens(identityID:) set again")
        },

        StoreConformanceCheck(.identities, "provider-tokens-unknown", "Provider tokens of an unknown identity are refused, and nothing is kept") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await expect(
                !store.setProviderTokens(sealedTokens, identityID: "id-1", at: Fixture.date(1)),
                "setProviderTokens of an unknown identity"
            )
            try await expect(
                !store.setProviderTokens(nil, identityID: "id-1", at: Fixture.date(1)),
                "setProviderTokens(nil) of an unknown identity"
            )
            try await expectNil(store.providerTokens(identityID: "id-1"), "providerTokens(identityID:) of an unknown identity")

            // Linked afterwards under that id, the identity has none.
            try await expect(store.linkIdentity(Fixture.identity("id-1", of: alice, subject: "1"), audit: .none), "linkIdentity")
            try await expectNil(store.providerTokens(identityID: "id-1"), "providerTokens(identityID:) of the identity linked after the refusal")
        },

        StoreConformanceCheck(.identities, "provider-tokens-unlink", "Unlinking an identity deletes its provider tokens; linked again, it has none") {
            store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let first = Fixture.identity("id-1", of: alice, subject: "1")
            let second = Fixture.identity("id-2", of: alice, subject: "2")
            for identity in [first, second] {
                try await expect(store.linkIdentity(identity, audit: .none), "linkIdentity of \(identity.id)")
                try await expect(
                    store.setProviderTokens(sealedTokens, identityID: identity.id, at: Fixture.date(1)),
                    "setProviderTokens of \(identity.id)"
                )
            }

            try await expectEqual(store.unlinkIdentity(id: first.id, accountID: alice.accountID, audit: .none), .removed, "unlinkIdentity")
            try await expectNil(store.providerTokens(identityID: first.id), "providerTokens(identityID:) of the unlinked identity")
            try await expectEqual(
                store.providerTokens(identityID: second.id),
                sealedTokens,
                "providerTokens(identityID:) of the identity still linked"
            )
            try await expect(
                !store.setProviderTokens(sealedTokens, identityID: first.id, at: Fixture.date(2)),
                "setProviderTokens of the unlinked identity"
            )
            try await expectNil(store.providerTokens(identityID: first.id), "providerTokens(identityID:) after the refused setProviderTokens")

            let again = Fixture.identity("id-3", of: alice, subject: "1")
            try await expect(store.linkIdentity(again, audit: .none), "linkIdentity of the unlinked identity under a new id")
            try await expectNil(store.providerTokens(identityID: again.id), "providerTokens(identityID:) of the identity linked again")
            try await expectNil(store.providerTokens(identityID: first.id), "providerTokens(identityID:) of its old id")
        },

        StoreConformanceCheck(.identities, "provider-tokens-delete-account", "Deleting an account deletes its identities' provider tokens") {
            store in
            let alice = Fixture.account("alice")
            let first = Fixture.identity("id-1", of: alice, subject: "1")
            let second = Fixture.identity("id-2", of: alice, subject: "2", at: 1)
            try await Fixture.create(alice, in: store, identity: first)
            try await expect(store.linkIdentity(second, audit: .none), "linkIdentity")
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            let bobs = Fixture.identity("id-3", of: bob, subject: "3")
            try await expect(store.linkIdentity(bobs, audit: .none), "linkIdentity to the other account")
            for identity in [first, second, bobs] {
                try await expect(
                    store.setProviderTokens(sealedTokens, identityID: identity.id, at: Fixture.date(2)),
                    "setProviderTokens of \(identity.id)"
                )
            }

            try await expect(store.deleteAccount(accountID: alice.accountID), "deleteAccount")
            try await expectNil(store.providerTokens(identityID: first.id), "providerTokens(identityID:) of the deleted account's identity")
            try await expectNil(store.providerTokens(identityID: second.id), "providerTokens(identityID:) of its other identity")
            try await expectEqual(
                store.providerTokens(identityID: bobs.id),
                sealedTokens,
                "providerTokens(identityID:) of the other account's identity"
            )

            // Made anew, the account's identities have none.
            try await Fixture.create(alice, in: store, identity: first)
            try await expectNil(store.providerTokens(identityID: first.id), "providerTokens(identityID:) of the account made anew")
        },
    ]
}
