import Gatehouse
import Testing

extension StoreConformanceTests {
    @Suite("Signing keys")
    struct SigningKeys {
        @Test("Keys read back in the order they were added", arguments: StoreKind.available)
        func insertAndList(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let verifying = Fixture.signingKey("k-1", signing: false, at: 0)
                let signing = Fixture.signingKey("k-2", signing: true, at: 10)
                try await store.insertSigningKey(verifying)
                try await store.insertSigningKey(signing)
                #expect(try await store.signingKeys() == [verifying, signing])
            }
        }

        @Test("A new signing key demotes the previous one", arguments: StoreKind.available)
        func demote(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                try await store.insertSigningKey(Fixture.signingKey("k-1", signing: true, at: 0))
                try await store.insertSigningKey(Fixture.signingKey("k-2", signing: true, at: 10))
                try await store.insertSigningKey(Fixture.signingKey("k-3", signing: false, at: 20))

                let keys = try await store.signingKeys()
                #expect(keys.map(\.kid) == ["k-1", "k-2", "k-3"])
                #expect(keys.map(\.isSigning) == [false, true, false])
                #expect(keys.allSatisfy { !$0.retired })
            }
        }

        @Test("A used key id is a conflict that changes nothing", arguments: StoreKind.available)
        func duplicateKid(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                try await store.insertSigningKey(Fixture.signingKey("k-1", signing: false, at: 0))
                try await store.insertSigningKey(Fixture.signingKey("k-2", signing: true, at: 10))
                let before = try await store.signingKeys()

                // A signing key with a used id: the demotion of k-2 must not survive the failed insert.
                await expectAccountError(.conflict) { try await store.insertSigningKey(Fixture.signingKey("k-1", signing: true, at: 20)) }
                #expect(try await store.signingKeys() == before)
            }
        }

        @Test("Only verification keys retire, once", arguments: StoreKind.available)
        func retire(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                try await store.insertSigningKey(Fixture.signingKey("k-old", signing: false, at: 0))
                try await store.insertSigningKey(Fixture.signingKey("k-new", signing: true, at: 10))

                #expect(try await store.retireSigningKey(kid: "k-new") == false)
                #expect(try await store.retireSigningKey(kid: "k-old"))
                #expect(try await store.retireSigningKey(kid: "k-old") == false)
                #expect(try await store.retireSigningKey(kid: "k-missing") == false)

                let keys = try await store.signingKeys()
                #expect(keys.map(\.retired) == [true, false])
                #expect(keys.map(\.isSigning) == [false, true])
            }
        }
    }
}
