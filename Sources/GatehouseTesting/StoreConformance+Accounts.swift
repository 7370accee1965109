import Gatehouse

/// The record builders under the short name the checks use.
typealias Fixture = StoreFixture

extension StoreConformance {
    static let accountChecks: [StoreConformanceCheck] =
        creationChecks + ContactRecord.Kind.allCases.map(contactConflictCheck) + contactAndStateChecks + accountLifecycleChecks

    private static let creationChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.accounts, "create-and-find", "An account is found by id and by username, with its primary e-mail") { store in
            let alice = Fixture.account("alice", at: 5)
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            try await Fixture.create(alice, in: store, extra: [phone])

            try await expectEqual(store.account(id: alice.accountID), alice, "account(id:) of a created account")
            try await expectEqual(store.account(username: "alice"), alice, "account(username:) of a created account")
            try await expectNil(store.account(id: "acct-bob"), "account(id:) of an unknown id")
            try await expectNil(store.account(username: "bob"), "account(username:) of an unknown username")
            try await expectEqual(
                store.contacts(accountID: alice.accountID),
                [Fixture.primaryEmail(of: alice), phone],
                "contacts(accountID:), in creation order"
            )
        },

        StoreConformanceCheck(.accounts, "password-hash", "The password hash is kept apart and can be replaced") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store, passwordHash: "scrypt$first")
            try await expectEqual(store.passwordHash(accountID: alice.accountID), "scrypt$first", "passwordHash(accountID:) after creation")

            try await expect(
                store.setPasswordHash(accountID: alice.accountID, hash: "scrypt$second", at: Fixture.date(60)),
                "setPasswordHash(accountID:hash:at:) of an existing account returns true"
            )
            try await expectEqual(store.passwordHash(accountID: alice.accountID), "scrypt$second", "passwordHash(accountID:) after a change")
            try await expectEqual(
                store.account(id: alice.accountID)?.updatedAt,
                Fixture.date(60),
                "updatedAt of the account after a password change"
            )

            try await expect(
                !store.setPasswordHash(accountID: "acct-ghost", hash: "scrypt$x", at: Fixture.date(60)),
                "setPasswordHash(accountID:hash:at:) of an unknown account returns false"
            )
            try await expectNil(store.passwordHash(accountID: "acct-ghost"), "passwordHash(accountID:) of an unknown account")
        },

        StoreConformanceCheck(.accounts, "username-conflict", "A taken username is a conflict that leaves nothing behind") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            var impostor = Fixture.account("alice", email: "impostor@example.com")
            impostor.accountID = "acct-impostor"

            let error = try await expectAccountError(.conflict, detail: .usernameTaken, "creating an account with a taken username") {
                try await Fixture.create(impostor, in: store, passwordHash: "hash-impostor")
            }
            try expect(!error.description.contains("alice"), "the conflict's description does not show the username")

            try await expectNil(store.account(id: "acct-impostor"), "account(id:) of the refused account")
            try await expectNil(store.passwordHash(accountID: "acct-impostor"), "passwordHash(accountID:) of the refused account")
            try await expectEqual(store.contacts(accountID: "acct-impostor"), [], "contacts(accountID:) of the refused account")
            try await expectEqual(store.account(username: "alice"), alice, "account(username:) of the username's owner")
            // The impostor's e-mail was never written: another account can take it.
            try await Fixture.create(Fixture.account("carol", email: "impostor@example.com"), in: store)
        },

        StoreConformanceCheck(.accounts, "email-conflict", "A taken e-mail is a conflict that leaves nothing behind") { store in
            try await Fixture.create(Fixture.account("alice", email: "shared@example.com"), in: store)
            let bob = Fixture.account("bob", email: "shared@example.com")

            let error = try await expectAccountError(.conflict, detail: .contactTaken, "creating an account with a taken e-mail") {
                try await Fixture.create(bob, in: store)
            }
            try expect(!error.description.contains("shared@example.com"), "the conflict's description does not show the e-mail address")

            try await expectNil(store.account(username: "bob"), "account(username:) of the refused account")
            try await expectNil(store.account(id: bob.accountID), "account(id:) of the refused account")
            try await expectNil(store.passwordHash(accountID: bob.accountID), "passwordHash(accountID:) of the refused account")
            try await expectEqual(store.accounts(limit: 10, offset: 0).map(\.username), ["alice"], "usernames of accounts(limit:offset:)")
            // The username was rolled back with the rest.
            try await Fixture.create(Fixture.account("bob"), in: store)
        },
    ]

    private static let contactAndStateChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.accounts, "duplicate-contact-in-one-account", "The same contact twice in one account is a conflict") { store in
            let alice = Fixture.account("alice")
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            try await expectAccountError(.conflict, "creating an account with the same contact twice") {
                try await Fixture.create(alice, in: store, extra: [phone, phone])
            }
            try await expectEqual(store.contacts(accountID: alice.accountID), [], "contacts(accountID:) of the refused account")
            try await expectNil(store.account(id: alice.accountID), "account(id:) of the refused account")
        },

        StoreConformanceCheck(.accounts, "contact-unique-per-kind", "Uniqueness of a contact is per kind") { store in
            let alice = try await Fixture.create(Fixture.account("alice", email: "same@example.com"), in: store)
            let bob = Fixture.account("bob")
            let custom = ContactRecord(accountID: bob.accountID, kind: .custom, value: "same@example.com", createdAt: bob.createdAt)
            try await Fixture.create(bob, in: store, extra: [custom])
            try await expect(
                store.contacts(accountID: bob.accountID).contains(custom),
                "contacts(accountID:) holds a custom contact whose value is another account's e-mail"
            )
            try await expectEqual(store.account(id: alice.accountID)?.email, "same@example.com", "e-mail of the first account")
        },

        StoreConformanceCheck(.accounts, "deactivate", "An account can be deactivated and reactivated") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await expect(
                store.setDeactivated(accountID: alice.accountID, true, at: Fixture.date(30)),
                "setDeactivated(accountID:_:at:) of an existing account returns true"
            )
            let deactivated = try await store.account(id: alice.accountID)
            try expectEqual(deactivated?.deactivated, true, "deactivated of a deactivated account")
            try expectEqual(deactivated?.updatedAt, Fixture.date(30), "updatedAt of a deactivated account")
            try await expectEqual(store.account(username: "alice")?.deactivated, true, "deactivated, read by username")

            try await expect(
                store.setDeactivated(accountID: alice.accountID, false, at: Fixture.date(40)),
                "setDeactivated(accountID:_:at:) reactivating an account returns true"
            )
            try await expectEqual(store.account(id: alice.accountID)?.deactivated, false, "deactivated of a reactivated account")
            try await expect(
                !store.setDeactivated(accountID: "acct-ghost", true, at: Fixture.date(40)),
                "setDeactivated(accountID:_:at:) of an unknown account returns false"
            )
        },

        StoreConformanceCheck(.accounts, "contact-verified", "Verifying a contact marks it and shows on the account") { store in
            let alice = Fixture.account("alice")
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            try await Fixture.create(alice, in: store, extra: [phone])
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await expectEqual(store.account(id: alice.accountID)?.emailVerified, false, "emailVerified of a new account")

            let verified = try await store.markContactVerified(accountID: alice.accountID, kind: .email, value: alice.email)
            var expected = Fixture.primaryEmail(of: alice)
            expected.verified = true
            try expectEqual(verified, expected, "markContactVerified(accountID:kind:value:) of the primary e-mail")
            try await expectEqual(store.account(id: alice.accountID)?.emailVerified, true, "emailVerified after verifying the primary e-mail")
            try await expectEqual(store.contacts(accountID: alice.accountID), [expected, phone], "contacts(accountID:) after verifying the e-mail")

            // Another account's contact, another kind, an unknown value: nothing to verify.
            try await expectNil(
                store.markContactVerified(accountID: bob.accountID, kind: .email, value: alice.email),
                "markContactVerified(accountID:kind:value:) of another account's e-mail"
            )
            try await expectNil(
                store.markContactVerified(accountID: alice.accountID, kind: .custom, value: "+15550100"),
                "markContactVerified(accountID:kind:value:) of a contact value under another kind"
            )
            try await expectNil(
                store.markContactVerified(accountID: alice.accountID, kind: .email, value: "other@example.com"),
                "markContactVerified(accountID:kind:value:) of an unknown value"
            )
            try await expectEqual(store.account(id: bob.accountID)?.emailVerified, false, "emailVerified of the other account")

            let phoneVerified = try await store.markContactVerified(accountID: alice.accountID, kind: .phone, value: "+15550100")
            try expectEqual(phoneVerified?.verified, true, "verified of a verified phone contact")
            try expectEqual(phoneVerified?.isPrimary, false, "isPrimary of a verified phone contact")
        },

        StoreConformanceCheck(.accounts, "listing", "Accounts are listed in creation order, with limit and offset") { store in
            let names = ["ann", "ben", "cat", "dan", "eve"]
            for (index, name) in names.enumerated() {
                try await Fixture.create(Fixture.account(name, at: index * 10), in: store)
            }
            try await expectEqual(store.accounts(limit: 10, offset: 0).map(\.username), names, "usernames of accounts(limit: 10, offset: 0)")
            try await expectEqual(store.accounts(limit: 2, offset: 1).map(\.username), ["ben", "cat"], "usernames of accounts(limit: 2, offset: 1)")
            try await expectEqual(store.accounts(limit: 3, offset: 4).map(\.username), ["eve"], "usernames of accounts(limit: 3, offset: 4)")
            try await expectEqual(store.accounts(limit: 3, offset: 5), [], "accounts(limit: 3, offset: 5)")
            try await expectEqual(store.accounts(limit: 0, offset: 0), [], "accounts(limit: 0, offset: 0)")
            try await expectEqual(store.accounts(limit: 1, offset: 2), [Fixture.account("cat", at: 20)], "accounts(limit: 1, offset: 2)")
        },
    ]

    /// A contact of `kind` taken by another account: one check per kind.
    private static func contactConflictCheck(_ kind: ContactRecord.Kind) -> StoreConformanceCheck {
        StoreConformanceCheck(
            .accounts,
            "contact-conflict-\(kind.rawValue)",
            "A contact (\(kind.rawValue)) taken by another account is a conflict"
        ) { store in
            let alice = Fixture.account("alice")
            try await Fixture.create(
                alice,
                in: store,
                extra: [
                    ContactRecord(accountID: alice.accountID, kind: kind, value: "taken-value", createdAt: alice.createdAt)
                ]
            )
            let bob = Fixture.account("bob")
            let error = try await expectAccountError(.conflict, detail: .contactTaken, "creating an account with a taken \(kind.rawValue) contact") {
                try await Fixture.create(
                    bob,
                    in: store,
                    extra: [
                        ContactRecord(accountID: bob.accountID, kind: kind, value: "taken-value", createdAt: bob.createdAt)
                    ]
                )
            }
            try expect(!error.description.contains("taken-value"), "the conflict's description does not show the contact")
            try await expectNil(store.account(id: bob.accountID), "account(id:) of the refused account")
            try await expectEqual(store.contacts(accountID: bob.accountID), [], "contacts(accountID:) of the refused account")
        }
    }
}
