import Gatehouse
import Testing

extension StoreConformanceTests {
    @Suite("One-time tokens")
    struct Tokens {
        @Test("A token reads back by account and kind", arguments: StoreKind.available)
        func insertAndList(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let verification = Fixture.token("t-1", of: alice, kind: .emailVerification, hash: 1)
                let recovery = Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 2, at: 10)
                try await store.insertToken(verification)
                try await store.insertToken(recovery)

                #expect(try await store.tokens(accountId: alice.accountId, kind: .emailVerification) == [verification])
                #expect(try await store.tokens(accountId: alice.accountId, kind: .passwordRecovery) == [recovery])
                #expect(try await store.tokens(accountId: "acct-ghost", kind: .emailVerification).isEmpty)
            }
        }

        @Test("A token hash is unique", arguments: StoreKind.available)
        func duplicateHash(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let original = Fixture.token("t-1", of: alice, hash: 1)
                try await store.insertToken(original)
                await expectAccountError(.conflict) {
                    try await store.insertToken(Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 1))
                }
                #expect(try await store.tokens(accountId: alice.accountId, kind: .emailVerification) == [original])
                #expect(try await store.tokens(accountId: alice.accountId, kind: .passwordRecovery).isEmpty)
            }
        }

        @Test("A token is consumed once", arguments: StoreKind.available)
        func consumeOnce(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let token = Fixture.token("t-1", of: alice, hash: 1)
                try await store.insertToken(token)

                var expected = token
                expected.usedAt = Fixture.date(60)
                #expect(try await store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(60)) == expected)
                #expect(try await store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(61)) == nil)
                #expect(try await store.tokens(accountId: alice.accountId, kind: .emailVerification) == [expected])
            }
        }

        @Test("Of concurrent consumptions of one token, exactly one succeeds", arguments: StoreKind.available)
        func concurrentConsume(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertToken(Fixture.token("t-1", of: alice, hash: 1))
                let consumed = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<20 {
                        group.addTask {
                            try await store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(60)) == nil ? 0 : 1
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(consumed == 1)
            }
        }

        @Test("A token cannot be consumed at or after its expiry", arguments: StoreKind.available)
        func expired(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertToken(Fixture.token("t-1", of: alice, hash: 1, at: 0, expiresAfter: 100))
                try await store.insertToken(Fixture.token("t-2", of: alice, hash: 2, at: 0, expiresAfter: 100))

                #expect(try await store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(100)) == nil)
                #expect(try await store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(500)) == nil)
                #expect(try await store.tokens(accountId: alice.accountId, kind: .emailVerification).allSatisfy { $0.usedAt == nil })
                #expect(try await store.consumeToken(hash: Fixture.digest(2), kind: .emailVerification, at: Fixture.date(99))?.id == "t-2")
            }
        }

        @Test("A token is only consumed as its own kind", arguments: StoreKind.available)
        func wrongKind(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                try await store.insertToken(Fixture.token("t-1", of: alice, kind: .passwordRecovery, hash: 1))

                #expect(try await store.consumeToken(hash: Fixture.digest(1), kind: .emailVerification, at: Fixture.date(10)) == nil)
                #expect(try await store.consumeToken(hash: Fixture.digest(9), kind: .passwordRecovery, at: Fixture.date(10)) == nil)
                #expect(try await store.tokens(accountId: alice.accountId, kind: .passwordRecovery).first?.usedAt == nil)
                #expect(try await store.consumeToken(hash: Fixture.digest(1), kind: .passwordRecovery, at: Fixture.date(10))?.id == "t-1")
            }
        }

        @Test("Deleting tokens removes one kind of one account", arguments: StoreKind.available)
        func deleteByKind(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let alice = try await Fixture.create(Fixture.account("alice"), in: store)
                let bob = try await Fixture.create(Fixture.account("bob"), in: store)
                try await store.insertToken(Fixture.token("t-1", of: alice, kind: .passwordRecovery, hash: 1))
                try await store.insertToken(Fixture.token("t-2", of: alice, kind: .passwordRecovery, hash: 2))
                try await store.insertToken(Fixture.token("t-3", of: alice, kind: .emailVerification, hash: 3))
                try await store.insertToken(Fixture.token("t-4", of: bob, kind: .passwordRecovery, hash: 4))
                _ = try await store.consumeToken(hash: Fixture.digest(2), kind: .passwordRecovery, at: Fixture.date(1))

                #expect(try await store.deleteTokens(accountId: alice.accountId, kind: .passwordRecovery) == 2)
                #expect(try await store.tokens(accountId: alice.accountId, kind: .passwordRecovery).isEmpty)
                #expect(try await store.tokens(accountId: alice.accountId, kind: .emailVerification).map(\.id) == ["t-3"])
                #expect(try await store.tokens(accountId: bob.accountId, kind: .passwordRecovery).map(\.id) == ["t-4"])
                #expect(try await store.consumeToken(hash: Fixture.digest(1), kind: .passwordRecovery, at: Fixture.date(2)) == nil)
                #expect(try await store.deleteTokens(accountId: alice.accountId, kind: .passwordRecovery) == 0)
            }
        }
    }
}
