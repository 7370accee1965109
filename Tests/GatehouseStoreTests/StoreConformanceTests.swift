import Gatehouse
import Testing

/// The rules of the store protocols, checked against every store in ``StoreKind/available``: a store
/// that passes is interchangeable with the others. Each concern lives in its own file as a nested suite.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test("A new store is empty", arguments: StoreKind.available)
    func newStoreIsEmpty(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let accounts = try await store.accounts(limit: 100, offset: 0)
            #expect(accounts.isEmpty)
            #expect(try await store.signingKeys().isEmpty)
            #expect(try await store.account(id: "acct-nobody") == nil)
            #expect(try await store.account(username: "nobody") == nil)
            #expect(try await store.session(id: "nothing") == nil)
            #expect(try await store.sessionWithAccount(id: "nothing") == nil)
            #expect(try await store.deleteSessions(endedBefore: Fixture.date(1_000_000)) == 0)
        }
    }
}
