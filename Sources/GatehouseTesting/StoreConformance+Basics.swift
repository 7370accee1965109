import Gatehouse

extension StoreConformance {
    static let basicChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.basics, "new-store-is-empty", "A new store is empty") { store in
            try await expectEqual(store.accounts(limit: 100, offset: 0).count, 0, "accounts(limit:offset:) of a new store")
            try await expectEqual(store.signingKeys().count, 0, "signingKeys() of a new store")
            try await expectNil(store.account(id: "acct-nobody"), "account(id:) of an unknown id")
            try await expectNil(store.account(username: "nobody"), "account(username:) of an unknown username")
            try await expectNil(store.session(id: "nothing"), "session(id:) of an unknown id")
            try await expectNil(store.sessionWithAccount(id: "nothing"), "sessionWithAccount(id:) of an unknown id")
            try await expectEqual(
                store.deleteSessions(endedBefore: StoreFixture.date(1_000_000)),
                0,
                "deleteSessions(endedBefore:) in a new store"
            )
            try await expectEqual(
                store.deleteThrottleState(endedBefore: StoreFixture.date(1_000_000)),
                0,
                "deleteThrottleState(endedBefore:) in a new store"
            )
            try await expect(
                !store.isTrustedAddress("192.0.2.1", account: "acct-nobody", since: StoreFixture.date(-1_000_000)),
                "isTrustedAddress(_:account:since:) in a new store is false"
            )
        }
    ]
}
