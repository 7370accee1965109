import Gatehouse
import Testing

extension StoreConformanceTests {
    @Suite("Accounts")
    struct Accounts {
        @Test("An account is found by id and by username, with its primary e-mail", arguments: StoreKind.available)
        func createAndFind(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = Fixture.account("alice", at: 5)
                let phone = ContactRecord(accountId: alice.accountId, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
                try await Fixture.create(alice, in: store, extra: [phone])

                #expect(try await store.account(id: alice.accountId) == alice)
                #expect(try await store.account(username: "alice") == alice)
                #expect(try await store.account(id: "acct-bob") == nil)
                #expect(try await store.account(username: "bob") == nil)
                #expect(try await store.contacts(accountId: alice.accountId) == [Fixture.primaryEmail(of: alice), phone])
            }
        }

        @Test("The password hash is kept apart and can be replaced", arguments: StoreKind.available)
        func passwordHash(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store, passwordHash: "scrypt$first")
                #expect(try await store.passwordHash(accountId: alice.accountId) == "scrypt$first")

                #expect(try await store.setPasswordHash(accountId: alice.accountId, hash: "scrypt$second", at: Fixture.date(60)))
                #expect(try await store.passwordHash(accountId: alice.accountId) == "scrypt$second")
                #expect(try await store.account(id: alice.accountId)?.updatedAt == Fixture.date(60))

                #expect(try await store.setPasswordHash(accountId: "acct-ghost", hash: "scrypt$x", at: Fixture.date(60)) == false)
                #expect(try await store.passwordHash(accountId: "acct-ghost") == nil)
            }
        }

        @Test("A taken username is a conflict that leaves nothing behind", arguments: StoreKind.available)
        func usernameConflict(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                var impostor = Fixture.account("alice", email: "impostor@example.com")
                impostor.accountId = "acct-impostor"

                let error = await expectAccountError(.conflict) {
                    try await Fixture.create(impostor, in: store, passwordHash: "hash-impostor")
                }
                #expect(error?.message.contains("username") == true)
                #expect(error?.description.contains("alice") == false)

                #expect(try await store.account(id: "acct-impostor") == nil)
                #expect(try await store.passwordHash(accountId: "acct-impostor") == nil)
                #expect(try await store.contacts(accountId: "acct-impostor").isEmpty)
                #expect(try await store.account(username: "alice") == alice)
                // The impostor's e-mail was never written: another account can take it.
                try await Fixture.create(Fixture.account("carol", email: "impostor@example.com"), in: store)
            }
        }

        @Test("A taken e-mail is a conflict that leaves nothing behind", arguments: StoreKind.available)
        func emailConflict(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                try await Fixture.create(Fixture.account("alice", email: "shared@example.com"), in: store)
                let bob = Fixture.account("bob", email: "shared@example.com")

                let error = await expectAccountError(.conflict) { try await Fixture.create(bob, in: store) }
                #expect(error?.message.contains("email") == true)
                #expect(error?.description.contains("shared@example.com") == false)

                #expect(try await store.account(username: "bob") == nil)
                #expect(try await store.account(id: bob.accountId) == nil)
                #expect(try await store.passwordHash(accountId: bob.accountId) == nil)
                #expect(try await store.accounts(limit: 10, offset: 0).map(\.username) == ["alice"])
                // The username was rolled back with the rest.
                try await Fixture.create(Fixture.account("bob"), in: store)
            }
        }

        @Test("A contact taken by another account is a conflict naming its kind", arguments: StoreKind.available, ContactRecord.Kind.allCases)
        func contactConflict(kind: StoreKind, contactKind: ContactRecord.Kind) async throws {
            try await withStore(kind) { store in
                let alice = Fixture.account("alice")
                try await Fixture.create(alice, in: store, extra: [
                    ContactRecord(accountId: alice.accountId, kind: contactKind, value: "taken-value", createdAt: alice.createdAt),
                ])
                let bob = Fixture.account("bob")
                let error = await expectAccountError(.conflict) {
                    try await Fixture.create(bob, in: store, extra: [
                        ContactRecord(accountId: bob.accountId, kind: contactKind, value: "taken-value", createdAt: bob.createdAt),
                    ])
                }
                #expect(error?.message.contains(contactKind.rawValue) == true)
                #expect(error?.description.contains("taken-value") == false)
                #expect(try await store.account(id: bob.accountId) == nil)
                #expect(try await store.contacts(accountId: bob.accountId).isEmpty)
            }
        }

        @Test("The same contact twice in one account is a conflict", arguments: StoreKind.available)
        func duplicateContactInOneAccount(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = Fixture.account("alice")
                let phone = ContactRecord(accountId: alice.accountId, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
                await expectAccountError(.conflict) { try await Fixture.create(alice, in: store, extra: [phone, phone]) }
                let leftBehind = try await store.contacts(accountId: alice.accountId)
                #expect(leftBehind.isEmpty)
                #expect(try await store.account(id: alice.accountId) == nil)
            }
        }

        @Test("Uniqueness of a contact is per kind", arguments: StoreKind.available)
        func sameValueOtherKind(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice", email: "same@example.com"), in: store)
                let bob = Fixture.account("bob")
                let custom = ContactRecord(accountId: bob.accountId, kind: .custom, value: "same@example.com", createdAt: bob.createdAt)
                try await Fixture.create(bob, in: store, extra: [custom])
                #expect(try await store.contacts(accountId: bob.accountId).contains(custom))
                #expect(try await store.account(id: alice.accountId)?.email == "same@example.com")
            }
        }

        @Test("An account can be deactivated and reactivated", arguments: StoreKind.available)
        func deactivate(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                #expect(try await store.setDeactivated(accountId: alice.accountId, true, at: Fixture.date(30)))
                let deactivated = try await store.account(id: alice.accountId)
                #expect(deactivated?.deactivated == true)
                #expect(deactivated?.updatedAt == Fixture.date(30))
                #expect(try await store.account(username: "alice")?.deactivated == true)

                #expect(try await store.setDeactivated(accountId: alice.accountId, false, at: Fixture.date(40)))
                #expect(try await store.account(id: alice.accountId)?.deactivated == false)
                #expect(try await store.setDeactivated(accountId: "acct-ghost", true, at: Fixture.date(40)) == false)
            }
        }

        @Test("Verifying a contact marks it and shows on the account", arguments: StoreKind.available)
        func contactVerified(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = Fixture.account("alice")
                let phone = ContactRecord(accountId: alice.accountId, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
                try await Fixture.create(alice, in: store, extra: [phone])
                let bob = try await Fixture.create(Fixture.account("bob"), in: store)
                #expect(try await store.account(id: alice.accountId)?.emailVerified == false)

                let verified = try await store.markContactVerified(accountId: alice.accountId, kind: .email, value: alice.email)
                var expected = Fixture.primaryEmail(of: alice)
                expected.verified = true
                #expect(verified == expected)
                #expect(try await store.account(id: alice.accountId)?.emailVerified == true)
                #expect(try await store.contacts(accountId: alice.accountId) == [expected, phone])

                // Another account's contact, another kind, an unknown value: nothing to verify.
                #expect(try await store.markContactVerified(accountId: bob.accountId, kind: .email, value: alice.email) == nil)
                #expect(try await store.markContactVerified(accountId: alice.accountId, kind: .custom, value: "+15550100") == nil)
                #expect(try await store.markContactVerified(accountId: alice.accountId, kind: .email, value: "other@example.com") == nil)
                #expect(try await store.account(id: bob.accountId)?.emailVerified == false)

                let phoneVerified = try await store.markContactVerified(accountId: alice.accountId, kind: .phone, value: "+15550100")
                #expect(phoneVerified?.verified == true)
                #expect(phoneVerified?.isPrimary == false)
            }
        }

        @Test("Accounts are listed in creation order, with limit and offset", arguments: StoreKind.available)
        func listing(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let names = ["ann", "ben", "cat", "dan", "eve"]
                for (index, name) in names.enumerated() {
                    try await Fixture.create(Fixture.account(name, at: index * 10), in: store)
                }
                #expect(try await store.accounts(limit: 10, offset: 0).map(\.username) == names)
                #expect(try await store.accounts(limit: 2, offset: 1).map(\.username) == ["ben", "cat"])
                #expect(try await store.accounts(limit: 3, offset: 4).map(\.username) == ["eve"])
                #expect(try await store.accounts(limit: 3, offset: 5).isEmpty)
                #expect(try await store.accounts(limit: 0, offset: 0).isEmpty)
                let listed = try await store.accounts(limit: 1, offset: 2)
                #expect(listed == [Fixture.account("cat", at: 20)])
            }
        }
    }
}
