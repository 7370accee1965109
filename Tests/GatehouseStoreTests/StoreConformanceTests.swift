import Gatehouse
import GatehouseTesting
import Testing

/// The rules of the store protocols (``StoreConformance/checks``, shipped in `GatehouseTesting` for
/// every store author), checked against every store in ``StoreKind/available``, each case with a fresh
/// store: a store that passes is interchangeable with the others.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test("The store keeps the rule", arguments: StoreConformance.checks, StoreKind.available)
    func conformance(check: StoreConformanceCheck, kind: StoreKind) async throws {
        try await withStore(kind) { store in
            do {
                try await check.run(on: store)
            } catch let failure as StoreConformanceFailure {
                // Reported where the broken rule is asserted, with the store's error when there is one.
                let location = SourceLocation(fileID: failure.fileID, filePath: failure.filePath, line: failure.line, column: 1)
                if let error = failure.underlyingError {
                    Issue.record(error, Comment(rawValue: failure.description), sourceLocation: location)
                } else {
                    Issue.record(Comment(rawValue: failure.description), sourceLocation: location)
                }
            }
        }
    }
}
