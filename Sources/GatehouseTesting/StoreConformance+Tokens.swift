import Gatehouse

extension StoreConformance {
    static let tokenChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.tokens, "insert-and-list", "A token reads back by account and kind") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let verification = Fixture.token("t-1", of: alice, kind: .emailVerification, hash: 1)
            let recovery = Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 2, at: 10)
            try await store.insertToken(verification, messages: [])
            try await store.insertToken(recovery, messages: [])

            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .emailVerification),
                [verification],
                "tokens(accountID:kind: .emailVerification)"
            )
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .passwordRecovery),
                [recovery],
                "tokens(accountID:kind: .passwordRecovery)"
            )
            try await expectEqual(
                store.tokens(accountID: "acct-ghost", kind: .emailVerification),
                [],
                "tokens(accountID:kind:) of an unknown account"
            )
        },

        StoreConformanceCheck(.tokens, "duplicate-hash", "A token hash is unique") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let original = Fixture.token("t-1", of: alice, hash: 1)
            try await store.insertToken(original, messages: [])
            try await expectAccountError(.conflict, "inserting a token whose hash is taken, under another kind") {
                try await store.insertToken(Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 1), messages: [])
            }
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .emailVerification),
                [original],
                "tokens of the first token's kind"
            )
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .passwordRecovery),
                [],
                "tokens of the refused token's kind"
            )
        },

        StoreConformanceCheck(.tokens, "consume-once", "A token is consumed once") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let token = Fixture.token("t-1", of: alice, hash: 1)
            try await store.insertToken(token, messages: [])

            var expected = token
            expected.usedAt = Fixture.date(60)
            try await expectEqual(
                store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(60)),
                expected,
                "consumeToken(hash:kind:at:) of an unused token"
            )
            try await expectNil(
                store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(61)),
                "consumeToken(hash:kind:at:) of a used token"
            )
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .emailVerification),
                [expected],
                "tokens(accountID:kind:) after consumption"
            )
        },

        StoreConformanceCheck(.tokens, "concurrent-consume", "Of concurrent consumptions of one token, exactly one succeeds") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertToken(Fixture.token("t-1", of: alice, hash: 1), messages: [])
            let consumed = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(60)) == nil ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            try expectEqual(consumed, 1, "number of 20 concurrent consumptions of one token that succeeded")
        },

        StoreConformanceCheck(.tokens, "expired", "A token cannot be consumed at or after its expiry") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertToken(Fixture.token("t-1", of: alice, hash: 1, at: 0, expiresAfter: 100), messages: [])
            try await store.insertToken(Fixture.token("t-2", of: alice, hash: 2, at: 0, expiresAfter: 100), messages: [])

            try await expectNil(
                store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(100)),
                "consumeToken(hash:kind:at:) at the token's expiry"
            )
            try await expectNil(
                store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(500)),
                "consumeToken(hash:kind:at:) after the token's expiry"
            )
            let used = try await store.tokens(accountID: alice.accountID, kind: .emailVerification).filter { $0.usedAt != nil }.map(\.id)
            try expectEqual(used, [], "ids of tokens marked used by consumptions that were refused")
            try await expectEqual(
                store.consumeToken(hash: Fixture.digest(2), kind: .emailVerification, at: Fixture.date(99))?.id,
                "t-2",
                "id of the token consumed a second before its expiry"
            )
        },

        StoreConformanceCheck(.tokens, "wrong-kind", "A token is only consumed as its own kind") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            try await store.insertToken(Fixture.token("t-1", of: alice, kind: .passwordRecovery, hash: 1), messages: [])

            try await expectNil(
                store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(10)),
                "consumeToken(hash:kind:at:) under another kind"
            )
            try await expectNil(
                store.consumeToken(hash: Fixture.digest(9), kind: .passwordRecovery, at: Fixture.date(10)),
                "consumeToken(hash:kind:at:) of an unknown hash"
            )
            try await expectNil(
                store.tokens(accountID: alice.accountID, kind: .passwordRecovery).first?.usedAt,
                "usedAt of the token after refused consumptions"
            )
            try await expectEqual(
                store.consumeToken(hash: Fixture.digest(1), kind: .passwordRecovery, at: Fixture.date(10))?.id,
                "t-1",
                "id of the token consumed as its own kind"
            )
        },

        StoreConformanceCheck(.tokens, "delete-by-kind", "Deleting tokens removes one kind of one account") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let bob = try await Fixture.create(Fixture.account("bob"), in: store)
            try await store.insertToken(Fixture.token("t-1", of: alice, kind: .passwordRecovery, hash: 1), messages: [])
            try await store.insertToken(Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 2), messages: [])
            try await store.insertToken(Fixture.token("t-3", of: alice, kind: .emailVerification, hash: 3), messages: [])
            try await store.insertToken(Fixture.token("t-4", of: bob, kind: .passwordRecovery, hash: 4), messages: [])
            _ = try await store.consumeToken(hash: Fixture.digest(2), kind: .passwordRecovery, at: Fixture.date(1))

            try await expectEqual(
                store.deleteTokens(accountID: alice.accountID, kind: .passwordRecovery),
                2,
                "deleteTokens(accountID:kind:) count, used token included"
            )
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .passwordRecovery),
                [],
                "tokens of the deleted kind"
            )
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .emailVerification).map(\.id),
                ["t-3"],
                "ids of the account's tokens of another kind"
            )
            try await expectEqual(
                store.tokens(accountID: bob.accountID, kind: .passwordRecovery).map(\.id),
                ["t-4"],
                "ids of another account's tokens of that kind"
            )
            try await expectNil(
                store.consumeToken(hash: Fixture.digest(1), kind: .passwordRecovery, at: Fixture.date(2)),
                "consumeToken(hash:kind:at:) of a deleted token"
            )
            try await expectEqual(
                store.deleteTokens(accountID: alice.accountID, kind: .passwordRecovery),
                0,
                "deleteTokens(accountID:kind:) count the second time"
            )
        },

        StoreConformanceCheck(.tokens, "insert-with-messages", "A token and its messages are written together") { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let token = Fixture.token("t-1", of: alice, kind: .emailChange, hash: 1)
            let confirmation = Fixture.message("m-1", of: alice, kind: "confirm_email_change")
            let notice = Fixture.message("m-2", of: alice, kind: "email_change_requested")
            try await store.insertToken(token, messages: [confirmation, notice])

            try await expectEqual(store.tokens(accountID: alice.accountID, kind: .emailChange), [token], "tokens(accountID:kind: .emailChange)")
            try await expectEqual(store.message(id: confirmation.id), confirmation, "message(id:) of the first message written with the token")
            try await expectEqual(store.message(id: notice.id), notice, "message(id:) of the second message written with the token")
            try await expectEqual(
                store.messages(status: .pending, limit: 10).map(\.id),
                [notice.id, confirmation.id],
                "ids of the pending messages after the token was written"
            )
            try await store.insertToken(Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 2), messages: [])
            try await expectEqual(store.messages(status: nil, limit: 10).count, 2, "number of messages after a token written without any")
        },

        StoreConformanceCheck(
            .tokens,
            "conflict-writes-no-message",
            "A token refused as a conflict writes none of its messages, and a message refused writes no token"
        ) { store in
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let original = Fixture.token("t-1", of: alice, hash: 1)
            let mail = Fixture.message("m-1", of: alice)
            try await store.insertToken(original, messages: [mail])

            try await expectAccountError(.conflict, "inserting a token whose hash is taken, with a message") {
                try await store.insertToken(
                    Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 1),
                    messages: [Fixture.message("m-2", of: alice)]
                )
            }
            try await expectNil(store.message(id: "m-2"), "message(id:) of the message of a token whose hash was taken")
            try await expectAccountError(.conflict, "inserting a token whose id is taken, with a message") {
                try await store.insertToken(Fixture.token("t-1", of: alice, hash: 3), messages: [Fixture.message("m-3", of: alice)])
            }
            try await expectNil(store.message(id: "m-3"), "message(id:) of the message of a token whose id was taken")
            try await expectAccountError(.conflict, "inserting a token with a message whose id is taken") {
                try await store.insertToken(
                    Fixture.token("t-4", of: alice, kind: .passwordRecovery, hash: 4),
                    messages: [Fixture.message("m-4", of: alice), Fixture.message("m-1", of: alice, kind: "reset_password")]
                )
            }
            try await expectNil(store.message(id: "m-4"), "message(id:) of the other message written with a taken message id")
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .passwordRecovery),
                [],
                "tokens(accountID:kind:) of the refused tokens' kind"
            )
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .emailVerification),
                [original],
                "tokens(accountID:kind:) of the first token's kind"
            )
            try await expectEqual(store.messages(status: nil, limit: 10), [mail], "messages(status: nil, limit:) after the refused tokens")
        },

        StoreConformanceCheck(.tokens, "unknown-account", "A token of an unknown account is refused, with its messages") { store in
            let ghost = Fixture.account("ghost")
            try await expectAccountError(.userNotFound, "inserting a token of an unknown account") {
                try await store.insertToken(Fixture.token("t-1", of: ghost, hash: 1), messages: [Fixture.message("m-1", of: ghost)])
            }
            try await expectEqual(
                store.tokens(accountID: ghost.accountID, kind: .emailVerification),
                [],
                "tokens(accountID:kind:) of the unknown account"
            )
            try await expectNil(store.message(id: "m-1"), "message(id:) of the message of a token of an unknown account")
            // Nothing of the refused token is left: its id and hash can be used.
            let alice = try await Fixture.create(Fixture.account("alice"), in: store)
            let token = Fixture.token("t-1", of: alice, hash: 1)
            try await store.insertToken(token, messages: [Fixture.message("m-1", of: alice)])
            try await expectEqual(
                store.tokens(accountID: alice.accountID, kind: .emailVerification),
                [token],
                "tokens(accountID:kind:) of a known account"
            )
        },
    ]
}
