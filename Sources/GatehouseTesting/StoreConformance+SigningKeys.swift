import Gatehouse

extension StoreConformance {
    static let signingKeyChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.signingKeys, "insert-and-list", "Keys read back in the order they were added") { store in
            let verifying = Fixture.signingKey("k-1", signing: false, at: 0)
            let signing = Fixture.signingKey("k-2", signing: true, at: 10)
            try await store.insertSigningKey(verifying)
            try await store.insertSigningKey(signing)
            try await expectEqual(store.signingKeys(), [verifying, signing], "signingKeys()")
        },

        StoreConformanceCheck(.signingKeys, "demote", "A new signing key demotes the previous one") { store in
            try await store.insertSigningKey(Fixture.signingKey("k-1", signing: true, at: 0))
            try await store.insertSigningKey(Fixture.signingKey("k-2", signing: true, at: 10))
            try await store.insertSigningKey(Fixture.signingKey("k-3", signing: false, at: 20))

            let keys = try await store.signingKeys()
            try expectEqual(keys.map(\.kid), ["k-1", "k-2", "k-3"], "key ids of signingKeys()")
            try expectEqual(keys.map(\.isSigning), [false, true, false], "isSigning flags of signingKeys()")
            try expectEqual(keys.map(\.retired), [false, false, false], "retired flags of signingKeys()")
        },

        StoreConformanceCheck(.signingKeys, "duplicate-kid", "A used key id is a conflict that changes nothing") { store in
            try await store.insertSigningKey(Fixture.signingKey("k-1", signing: false, at: 0))
            try await store.insertSigningKey(Fixture.signingKey("k-2", signing: true, at: 10))
            let before = try await store.signingKeys()

            // A signing key with a used id: the demotion of k-2 must not survive the failed insert.
            try await expectAccountError(.conflict, "inserting a signing key with a used id") {
                try await store.insertSigningKey(Fixture.signingKey("k-1", signing: true, at: 20))
            }
            try await expectEqual(store.signingKeys(), before, "signingKeys() after the refused insert")
        },

        StoreConformanceCheck(.signingKeys, "retire", "Only verification keys retire, once") { store in
            try await store.insertSigningKey(Fixture.signingKey("k-old", signing: false, at: 0))
            try await store.insertSigningKey(Fixture.signingKey("k-new", signing: true, at: 10))

            try await expect(!store.retireSigningKey(kid: "k-new"), "retireSigningKey(kid:) of the signing key returns false")
            try await expect(store.retireSigningKey(kid: "k-old"), "retireSigningKey(kid:) of a verification key returns true")
            try await expect(!store.retireSigningKey(kid: "k-old"), "retireSigningKey(kid:) of a retired key returns false")
            try await expect(!store.retireSigningKey(kid: "k-missing"), "retireSigningKey(kid:) of an unknown key returns false")

            let keys = try await store.signingKeys()
            try expectEqual(keys.map(\.retired), [true, false], "retired flags of signingKeys()")
            try expectEqual(keys.map(\.isSigning), [false, true], "isSigning flags of signingKeys()")
        },
    ]
}
