import Gatehouse

extension StoreConformance {
    /// Finding an account by e-mail, changing its primary address, deleting it.
    static let accountLifecycleChecks: [StoreConformanceCheck] = emailChecks + deletionChecks

    private static let emailChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(
            .accounts,
            "find-by-email",
            "An account is found by any of its e-mail addresses, primary or not, and by no other kind of contact"
        ) { store in
            let alice = Fixture.account("alice")
            let work = ContactRecord(accountID: alice.accountID, kind: .email, value: "alice.work@example.com", createdAt: alice.createdAt)
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            let custom = ContactRecord(accountID: alice.accountID, kind: .custom, value: "alice.custom@example.com", createdAt: alice.createdAt)
            try await Fixture.create(alice, in: store, extra: [work, phone, custom])
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)

            try await expectEqual(store.account(email: "alice@example.com"), alice, "account(email:) of the primary address")
            try await expectEqual(store.account(email: "alice.work@example.com"), alice, "account(email:) of a secondary e-mail address")
            try await expectEqual(store.account(email: "bob@example.com"), bob, "account(email:) of another account's primary address")
            try await expectNil(store.account(email: "+15550100"), "account(email:) of a phone number")
            try await expectNil(store.account(email: "alice.custom@example.com"), "account(email:) of the value of a custom contact")
            try await expectNil(store.account(email: "carol@example.com"), "account(email:) of an unknown address")

            // Whichever address finds the account, it comes with its primary address and its state.
            _ = try await store.markContactVerified(accountID: alice.accountID, kind: .email, value: alice.email)
            var verified = alice
            verified.emailVerified = true
            try await expectEqual(
                store.account(email: "alice.work@example.com"),
                verified,
                "account(email:) of a secondary address once the primary one is verified"
            )
        },

        StoreConformanceCheck(
            .accounts,
            "change-primary-email",
            "Changing the primary e-mail replaces the old address with the new one, verified, and frees the old one"
        ) { store in
            let alice = Fixture.account("alice")
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            try await Fixture.create(alice, in: store, extra: [phone])

            try await expect(
                store.changePrimaryEmail(accountID: alice.accountID, to: "alice.new@example.com", at: Fixture.date(50)),
                "changePrimaryEmail(accountID:to:at:) of an existing account returns true"
            )
            var expected = alice
            expected.email = "alice.new@example.com"
            expected.emailVerified = true
            expected.updatedAt = Fixture.date(50)
            try await expectEqual(store.account(id: alice.accountID), expected, "account(id:) after the change")
            try await expectEqual(store.account(username: "alice"), expected, "account(username:) after the change")
            try await expectEqual(store.account(email: "alice.new@example.com"), expected, "account(email:) of the new address")
            try await expectNil(store.account(email: alice.email), "account(email:) of the replaced address")
            let primary = ContactRecord(
                accountID: alice.accountID,
                kind: .email,
                value: "alice.new@example.com",
                verified: true,
                isPrimary: true,
                createdAt: Fixture.date(50)
            )
            try await expectEqual(
                store.contacts(accountID: alice.accountID),
                [phone, primary],
                "contacts(accountID:) after the change: the phone, then the new primary address, made at the change"
            )
            // The replaced address can be taken by another account.
            try await Fixture.create(Fixture.account("bob", email: alice.email), in: store)

            try await expect(
                !store.changePrimaryEmail(accountID: "acct-ghost", to: "ghost@example.com", at: Fixture.date(60)),
                "changePrimaryEmail(accountID:to:at:) of an unknown account returns false"
            )
            try await expectNil(store.account(email: "ghost@example.com"), "account(email:) of the address given for an unknown account")
            try await expectEqual(store.contacts(accountID: "acct-ghost"), [], "contacts(accountID:) of the unknown account")
        },

        StoreConformanceCheck(
            .accounts,
            "change-primary-email-promotes-secondary",
            "Changing the primary e-mail to one of the account's other addresses makes that contact the primary one"
        ) { store in
            let alice = Fixture.account("alice")
            let work = ContactRecord(accountID: alice.accountID, kind: .email, value: "alice.work@example.com", createdAt: alice.createdAt)
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            try await Fixture.create(alice, in: store, extra: [work, phone])

            try await expect(
                store.changePrimaryEmail(accountID: alice.accountID, to: work.value, at: Fixture.date(60)),
                "changePrimaryEmail(accountID:to:at:) to the account's secondary address returns true"
            )
            var expected = alice
            expected.email = work.value
            expected.emailVerified = true
            expected.updatedAt = Fixture.date(60)
            try await expectEqual(store.account(id: alice.accountID), expected, "account(id:) after the change")
            try await expectEqual(store.account(email: work.value), expected, "account(email:) of the promoted address")
            try await expectNil(store.account(email: alice.email), "account(email:) of the replaced address")
            // When the promoted contact was made is left to the store: the rest of it is the rule.
            let contacts = try await store.contacts(accountID: alice.accountID)
            try expectEqual(
                contacts.filter { $0.kind == .email }.map { "\($0.value) (verified: \($0.verified), primary: \($0.isPrimary))" },
                ["alice.work@example.com (verified: true, primary: true)"],
                "the e-mail contacts after the change: the promoted address alone, verified and primary"
            )
            try expect(contacts.contains(phone), "contacts(accountID:) after the change still holds the phone, unchanged")

            // Changing to the address that is already the primary one keeps it so.
            try await expect(
                store.changePrimaryEmail(accountID: alice.accountID, to: work.value, at: Fixture.date(70)),
                "changePrimaryEmail(accountID:to:at:) to the current primary address returns true"
            )
            expected.updatedAt = Fixture.date(70)
            try await expectEqual(store.account(id: alice.accountID), expected, "account(id:) after changing to the current address")
            try await expectEqual(
                store.contacts(accountID: alice.accountID).filter { $0.kind == .email }.map(\.value),
                [work.value],
                "values of the e-mail contacts after changing to the current address"
            )
        },

        StoreConformanceCheck(
            .accounts,
            "change-primary-email-conflict",
            "Changing the primary e-mail to another account's address is a conflict that changes neither account"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = Fixture.account("bob")
            let bobWork = ContactRecord(accountID: bob.accountID, kind: .email, value: "bob.work@example.com", createdAt: bob.createdAt)
            try await Fixture.create(bob, in: store, extra: [bobWork])

            for (address, whose) in [(bob.email, "primary"), (bobWork.value, "secondary")] {
                let error = try await expectAccountError(
                    .conflict,
                    detail: .contactTaken,
                    "changing the primary e-mail to another account's \(whose) address"
                ) {
                    _ = try await store.changePrimaryEmail(accountID: alice.accountID, to: address, at: Fixture.date(50))
                }
                try expect(!error.description.contains(address), "the conflict's description does not show the address")
            }
            try await expectEqual(store.account(id: alice.accountID), alice, "account(id:) of the account refused the change")
            try await expectEqual(
                store.contacts(accountID: alice.accountID),
                [Fixture.primaryEmail(of: alice)],
                "contacts(accountID:) of the account refused the change"
            )
            try await expectEqual(store.account(id: bob.accountID), bob, "account(id:) of the address's owner")
            try await expectEqual(
                store.contacts(accountID: bob.accountID),
                [Fixture.primaryEmail(of: bob), bobWork],
                "contacts(accountID:) of the address's owner"
            )
            try await expectEqual(store.account(email: bobWork.value), bob, "account(email:) of the owner's secondary address")
        },
    ]

    private static let deletionChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(
            .accounts,
            "delete",
            "Deleting an account deletes its contacts, password hash, sessions, tokens and unsent messages, and nothing of another account"
        ) { store in
            let alice = Fixture.account("alice")
            let work = ContactRecord(accountID: alice.accountID, kind: .email, value: "alice.work@example.com", createdAt: alice.createdAt)
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            try await Fixture.create(alice, in: store, extra: [work, phone])
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)

            try await store.insertSession(Fixture.session("s-a1", of: alice), requiringAccountEpoch: 0)
            try await store.insertSession(Fixture.session("s-a2", of: alice, hash: 2, at: 5), requiringAccountEpoch: 0)
            _ = try await store.revokeSessions(.session(id: "s-a2", accountID: alice.accountID), reason: .logout, at: Fixture.date(6))
            let bobSession = Fixture.session("s-b1", of: bob, hash: 3)
            try await store.insertSession(bobSession, requiringAccountEpoch: 0)

            let aliceMail = Fixture.message("m-a1", of: alice)
            try await store.insertToken(Fixture.token("t-a1", of: alice, hash: 1), messages: [aliceMail])
            try await store.insertToken(Fixture.token("t-a2", of: alice, kind: .passwordRecovery, hash: 2), messages: [])
            let bobToken = Fixture.token("t-b1", of: bob, hash: 3)
            let bobMail = Fixture.message("m-b1", of: bob)
            try await store.insertToken(bobToken, messages: [bobMail])
            let aliceFailed = failed(Fixture.message("m-a2", of: alice, kind: "reset_password"), attempts: 5)
            let aliceSent = sent(Fixture.message("m-a3", of: alice, kind: "email_changed"), at: 3)
            let webhook = Fixture.message("m-n1", channel: .webhook, kind: "account_created")
            try await store.enqueue([aliceFailed, aliceSent, webhook])

            try await expect(store.deleteAccount(accountID: alice.accountID), "deleteAccount(accountID:) of an existing account returns true")

            try await expectNil(store.account(id: alice.accountID), "account(id:) of the deleted account")
            try await expectNil(store.account(username: "alice"), "account(username:) of the deleted account")
            try await expectNil(store.account(email: alice.email), "account(email:) of the deleted account's primary address")
            try await expectNil(store.account(email: work.value), "account(email:) of the deleted account's secondary address")
            try await expectNil(store.passwordHash(accountID: alice.accountID), "passwordHash(accountID:) of the deleted account")
            try await expectEqual(store.contacts(accountID: alice.accountID), [], "contacts(accountID:) of the deleted account")
            try await expectNil(store.session(id: "s-a1"), "session(id:) of a valid session of the deleted account")
            try await expectNil(store.session(id: "s-a2"), "session(id:) of a revoked session of the deleted account")
            try await expectNil(store.sessionWithAccount(id: "s-a1"), "sessionWithAccount(id:) of a session of the deleted account")
            try await expectEqual(
                store.sessions(accountID: alice.accountID, includeInvalid: true),
                [],
                "sessions(accountID:includeInvalid: true) of the deleted account"
            )
            for kind in OneTimeTokenRecord.Kind.allCases {
                try await expectEqual(
                    store.tokens(accountID: alice.accountID, kind: kind),
                    [],
                    "tokens of kind \(kind.rawValue) of the deleted account"
                )
            }
            try await expectNil(
                store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(10)),
                "consumeToken(hash:kind:at:) of a token of the deleted account"
            )
            try await expectNil(store.message(id: aliceMail.id), "message(id:) of a pending message of the deleted account")
            try await expectNil(store.message(id: aliceFailed.id), "message(id:) of a failed message of the deleted account")
            // A sent message no longer carries its payload: it stays until deleteMessages(endedBefore:) sweeps it.
            try await expectEqual(store.message(id: aliceSent.id), aliceSent, "message(id:) of a sent message of the deleted account")

            try await expectEqual(store.account(id: bob.accountID), bob, "account(id:) of another account")
            try await expectEqual(store.session(id: bobSession.id), bobSession, "session(id:) of another account's session")
            try await expectEqual(
                store.tokens(accountID: bob.accountID, kind: .emailVerification),
                [bobToken],
                "tokens(accountID:kind:) of another account"
            )
            try await expectEqual(store.message(id: bobMail.id), bobMail, "message(id:) of another account's message")
            try await expectEqual(store.message(id: webhook.id), webhook, "message(id:) of a message of no account")
            try await expectEqual(store.accounts(limit: 10, offset: 0), [bob], "accounts(limit:offset:) after the deletion")

            try await expect(!store.deleteAccount(accountID: alice.accountID), "deleteAccount(accountID:) of the deleted account returns false")
            try await expect(!store.deleteAccount(accountID: "acct-ghost"), "deleteAccount(accountID:) of an unknown account returns false")
            try await expectEqual(store.account(id: bob.accountID), bob, "account(id:) of another account after deletions that found nothing")
        },

        StoreConformanceCheck(
            .accounts,
            "delete-frees-names",
            "A deleted account's username, addresses and token hashes can be taken again, and nothing of it comes back"
        ) { store in
            let alice = Fixture.account("alice")
            let work = ContactRecord(accountID: alice.accountID, kind: .email, value: "alice.work@example.com", createdAt: alice.createdAt)
            let phone = ContactRecord(accountID: alice.accountID, kind: .phone, value: "+15550100", createdAt: alice.createdAt)
            try await Fixture.create(alice, in: store, passwordHash: "hash-old", extra: [work, phone])
            try await store.insertSession(Fixture.session("s-1", of: alice), requiringAccountEpoch: 0)
            try await store.insertToken(Fixture.token("t-1", of: alice, hash: 1), messages: [])
            try await expect(store.deleteAccount(accountID: alice.accountID), "deleteAccount(accountID:) of an existing account returns true")

            // The same username and addresses, even the same id.
            let again = Fixture.account("alice", at: 100)
            let againPhone = ContactRecord(accountID: again.accountID, kind: .phone, value: "+15550100", createdAt: again.createdAt)
            try await Fixture.create(again, in: store, passwordHash: "hash-new", extra: [againPhone])
            try await expectEqual(store.account(id: again.accountID), again, "account(id:) of the account made anew")
            try await expectEqual(store.account(username: "alice"), again, "account(username:) of the account made anew")
            try await expectEqual(store.passwordHash(accountID: again.accountID), "hash-new", "passwordHash(accountID:) of the account made anew")
            try await expectEqual(
                store.contacts(accountID: again.accountID),
                [Fixture.primaryEmail(of: again), againPhone],
                "contacts(accountID:) of the account made anew: none of the deleted account's"
            )
            try await expectNil(store.account(email: work.value), "account(email:) of an address of the deleted account nobody took again")
            try await expectEqual(
                store.sessions(accountID: again.accountID, includeInvalid: true),
                [],
                "sessions(accountID:includeInvalid: true) of the account made anew"
            )
            try await expectEqual(
                store.tokens(accountID: again.accountID, kind: .emailVerification),
                [],
                "tokens(accountID:kind:) of the account made anew"
            )
            let bob = Fixture.account("bob", email: work.value)
            try await Fixture.create(bob, in: store)
            try await expectEqual(store.account(email: work.value), bob, "account(email:) of the deleted account's address, taken by another")
            let token = Fixture.token("t-1", of: again, hash: 1, at: 100)
            try await store.insertToken(token, messages: [])
            try await expectEqual(
                store.tokens(accountID: again.accountID, kind: .emailVerification),
                [token],
                "tokens(accountID:kind:) after inserting a token with the id and hash of a deleted one"
            )
        },
    ]
}
