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
}
