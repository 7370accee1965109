import Gatehouse
import GatehouseTesting
import Testing

/// The list of checks itself: what a store author sees in a test report.
@Suite("Store conformance catalogue")
struct StoreConformanceCatalogueTests {
    @Test("Every check has a unique id and a unique name")
    func uniqueIDs() {
        let ids = StoreConformance.checks.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(Set(StoreConformance.checks.map(\.name)).count == ids.count)
        #expect(StoreConformance.checks.allSatisfy { !$0.name.isEmpty && $0.id.hasPrefix($0.concern.rawValue + ".") })
    }

    @Test("Every concern has checks, and the checks come grouped by concern")
    func groupedByConcern() {
        let concerns = StoreConformance.checks.map(\.concern)
        var order: [StoreConformance.Concern] = []
        for concern in concerns where order.last != concern { order.append(concern) }
        #expect(order == StoreConformance.Concern.allCases)
        for concern in StoreConformance.Concern.allCases {
            #expect(StoreConformance.checks(concern).allSatisfy { $0.concern == concern })
            #expect(!StoreConformance.checks(concern).isEmpty)
        }
    }

    @Test("The concerns follow the store protocols, each with a stable name and a title")
    func concerns() {
        #expect(
            StoreConformance.Concern.allCases.map(\.rawValue) == [
                "basics", "accounts", "sessions", "session-epochs", "session-updates", "tokens", "signing-keys", "throttles", "outbox", "audit",
                "identities", "second-factors", "passkeys",
            ]
        )
        #expect(StoreConformance.Concern.sessionEpochs.title == "Session epochs")
        #expect(StoreConformance.Concern.throttles.description == "Throttles")
        #expect(StoreConformance.Concern.outbox.title == "Outbox")
        #expect(StoreConformance.Concern.audit.title == "Audit log")
        #expect(StoreConformance.Concern.identities.title == "Linked identities")
        #expect(StoreConformance.Concern.secondFactors.title == "Second factors")
        #expect(StoreConformance.Concern.passkeys.title == "Passkeys")
    }

    @Test("A check describes itself by concern and rule")
    func description() throws {
        let check = try #require(StoreConformance.checks.first { $0.id == "accounts.username-conflict" })
        #expect(check.description == "Accounts: A taken username is a conflict that leaves nothing behind")
        #expect(check.concern == .accounts)
    }
}
