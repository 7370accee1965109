import Gatehouse
import GatehouseTesting
import Testing

/// A store written outside Gatehouse, from its public API only, passes every check: the checks ask
/// nothing a third party cannot do.
@Suite("DictionaryStore conformance")
struct DictionaryStoreConformanceTests {
    @Test("DictionaryStore keeps the rule", arguments: StoreConformance.checks)
    func conformance(_ check: StoreConformanceCheck) async throws {
        try await check.run(on: DictionaryStore())
    }

    @Test("Running every check at once finds no failure")
    func allAtOnce() async {
        let failures = await StoreConformance.failures { check in try await check(DictionaryStore()) }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("The checks need no system clock: a manual one standing at the fixtures' epoch passes them too")
    func manualClock() async {
        let failures = await StoreConformance.failures { check in
            try await check(DictionaryStore(clock: ManualWallClock(StoreFixture.epoch)))
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("A commit clock that reads before the decision time fails the commit-time check, and no other")
    func clockInThePast() async throws {
        let failures = await StoreConformance.failures { check in
            try await check(DictionaryStore(clock: ManualWallClock(StoreFixture.date(-2_000_000))))
        }
        let check = try #require(StoreConformance.checks.first { $0.id == "session-updates.commit-time" })
        #expect(failures.map(\.check) == [check.name])
        let message = try #require(failures.first).message
        #expect(message.hasPrefix("rotatedAt after a rotation that takes the commit time: expected the store's clock at commit"), "\(message)")
        #expect(message.hasSuffix("got date(-2000000)"), "\(message)")
    }
}
