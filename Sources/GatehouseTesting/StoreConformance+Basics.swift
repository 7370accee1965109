import Gatehouse

extension StoreConformance {
    static let basicChecks: [StoreConformanceCheck] = [
        StoreConformanceCheck(.basics, "new-store-is-empty", "A new store is empty") { store in
            try await expectEqual(store.accounts(limit: 100, offset: 0).count, 0, "accounts(limit:offset:) of a new store")
            try await expectEqual(store.signingKeys().count, 0, "signingKeys() of a new store")
            try await expectNil(store.account(id: "acct-nobody"), "account(id:) of an unknown id")
            try await expectNil(store.account(username: "nobody"), "account(username:) of an unknown username")
            try await expectNil(store.account(email: "nobody@example.com"), "account(email:) of an unknown address")
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
            try await expectEqual(store.messages(status: nil, limit: 100), [], "messages(status: nil, limit:) of a new store")
            try await expectNil(store.message(id: "nothing"), "message(id:) of an unknown id")
            try await expectEqual(
                store.claimMessages(channel: .mail, limit: 10, leaseUntil: StoreFixture.date(1_000_060), at: StoreFixture.date(1_000_000)),
                [],
                "claimMessages(channel:limit:leaseUntil:at:) in a new store"
            )
            try await expectEqual(
                store.deleteMessages(endedBefore: StoreFixture.date(1_000_000)),
                0,
                "deleteMessages(endedBefore:) in a new store"
            )
        }
    ]
}
