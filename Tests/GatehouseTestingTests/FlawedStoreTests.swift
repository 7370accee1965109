import Gatehouse
import GatehouseTesting
import Testing

/// Stores that break one rule each fail the checks of that rule, and only checks of the concerns the
/// flaw touches: the checks catch real faults, and say where.
@Suite("Flawed stores fail the checks")
struct FlawedStoreTests {
    /// The ids of the checks a store with `flaw` fails.
    private func failingChecks(_ flaw: FlawedStore.Flaw) async -> (ids: Set<String>, failures: [StoreConformanceFailure]) {
        let failures = await StoreConformance.failures { check in try await check(FlawedStore(flaw)) }
        let idsByName = Dictionary(uniqueKeysWithValues: StoreConformance.checks.map { ($0.name, $0.id) })
        return (Set(failures.compactMap { idsByName[$0.check] }), failures)
    }

    @Test("Compare-and-swap that ignores the expected hash fails the session update checks")
    func ignoresExpectedHash() async {
        let (ids, failures) = await failingChecks(.ignoresExpectedHash)
        #expect(ids.isSuperset(of: ["session-updates.stale-hash-refused", "session-updates.mixed-batch"]))
        #expect(ids.allSatisfy { $0.hasPrefix("session-updates.") }, "\(ids.sorted())")
        #expect(failures.count == ids.count)
    }

    @Test("A token that can be consumed twice fails the single-use check")
    func reusesTokens() async {
        let (ids, _) = await failingChecks(.reusesTokens)
        #expect(ids.contains("tokens.consume-once"))
        #expect(ids.allSatisfy { $0.hasPrefix("tokens.") }, "\(ids.sorted())")
    }

    @Test("Ending every session when asked to end one fails the revocation checks")
    func revokesEverySession() async {
        let (ids, _) = await failingChecks(.revokesEverySession)
        #expect(ids.isSuperset(of: ["sessions.revoke-one", "sessions.listing", "sessions.delete-ended"]))
        // Ending every session also moves the account's epoch, which ending one must not.
        #expect(ids.contains("session-epochs.revocation"))
        // The audit checks revoke one session of several too.
        #expect(
            ids.allSatisfy {
                $0.hasPrefix("sessions.") || $0.hasPrefix("session-updates.") || $0.hasPrefix("session-epochs.") || $0.hasPrefix("audit.")
            },
            "\(ids.sorted())"
        )
    }

    @Test("A session stored under the account's epoch of the moment, not the login's, fails the stale-epoch check")
    func ignoresSessionEpoch() async throws {
        let (ids, _) = await failingChecks(.ignoresSessionEpoch)
        #expect(ids.contains("session-epochs.stale-epoch-refused"))
        // The audit check that a refused insert writes no event refuses one under a stale epoch too.
        #expect(ids.allSatisfy { $0.hasPrefix("session-epochs.") || $0 == "audit.with-the-change" }, "\(ids.sorted())")

        let check = try #require(StoreConformanceCheck.named("session-epochs.stale-epoch-refused"))
        let error = await #expect(throws: StoreConformanceFailure.self) { try await check.run(on: FlawedStore(.ignoresSessionEpoch)) }
        let failure = try #require(error)
        #expect(failure.message.hasPrefix("inserting a session under an epoch the account left: expected AccountError("), "\(failure.message)")
        #expect(failure.message.hasSuffix("nothing was thrown"), "\(failure.message)")
        #expect(failure.fileID == "GatehouseTesting/StoreConformance+SessionEpochs.swift")
    }

    @Test("Attempts counted whatever their limits allow fail the throttle checks that expect a refusal, and no other")
    func countsWithoutLimit() async throws {
        let (ids, _) = await failingChecks(.countsWithoutLimit)
        #expect(
            ids.isSuperset(of: [
                "throttles.reserve-counts-every-limit",
                "throttles.refusal-counts-nothing",
                "throttles.window-restarts",
                "throttles.concurrent-reserve",
                "throttles.concurrent-all-or-nothing",
                "throttles.release",
            ])
        )
        #expect(!ids.contains("throttles.trusted-addresses"))
        #expect(ids.allSatisfy { $0.hasPrefix("throttles.") }, "\(ids.sorted())")

        let check = try #require(StoreConformanceCheck.named("throttles.concurrent-reserve"))
        let error = await #expect(throws: StoreConformanceFailure.self) { try await check.run(on: FlawedStore(.countsWithoutLimit)) }
        let message = try #require(error).message
        #expect(message == "number of 40 concurrent attempts under a limit of 5 that were reserved: expected 5, got 40", "\(message)")
    }

    @Test("Claims that ignore leases fail the outbox checks that claim a message twice, and no other")
    func claimsIgnoreLeases() async throws {
        let (ids, _) = await failingChecks(.claimsIgnoreLeases)
        #expect(
            ids.isSuperset(of: [
                "outbox.claim-order",
                "outbox.claim-channel",
                "outbox.lease-expiry",
                "outbox.concurrent-claims",
                "outbox.fail-and-retry",
            ])
        )
        #expect(ids.allSatisfy { $0.hasPrefix("outbox.") }, "\(ids.sorted())")

        let check = try #require(StoreConformanceCheck.named("outbox.concurrent-claims"))
        let error = await #expect(throws: StoreConformanceFailure.self) { try await check.run(on: FlawedStore(.claimsIgnoreLeases)) }
        let failure = try #require(error)
        #expect(
            failure.message.hasPrefix("ids returned by 8 concurrent claims of 3 among 20 due messages, sorted: each message once: expected"),
            "\(failure.message)"
        )
        #expect(failure.fileID == "GatehouseTesting/StoreConformance+Outbox.swift")
    }

    @Test("A failure names the check, says what differs without showing digests, and points at the assertion")
    func failureText() async throws {
        let check = try #require(StoreConformanceCheck.named("session-updates.stale-hash-refused"))
        let error = await #expect(throws: StoreConformanceFailure.self) {
            try await check.run(on: FlawedStore(.ignoresExpectedHash))
        }
        let failure = try #require(error)
        #expect(failure.check == check.name)
        #expect(failure.message.hasPrefix("a rotation expecting the replaced hash: expected [false], got [true]"), "\(failure.message)")
        #expect(failure.fileID == "GatehouseTesting/StoreConformance+SessionUpdates.swift")
        #expect(failure.filePath.hasSuffix("StoreConformance+SessionUpdates.swift"))
        #expect(failure.line > 0)
        #expect(failure.underlyingError == nil)
        #expect(failure.description.hasPrefix("\(check.name): "))
    }

    @Test("A session stored without its history of secrets fails the read-back check")
    func dropsRotationHistory() async {
        let (ids, _) = await failingChecks(.dropsRotationHistory)
        #expect(ids == ["sessions.insert-and-read"])
    }

    @Test("A record that differs is shown by the fields that differ, digests by their fixture")
    func recordDifference() async throws {
        let check = try #require(StoreConformanceCheck.named("sessions.insert-and-read"))
        let error = await #expect(throws: StoreConformanceFailure.self) { try await check.run(on: FlawedStore(.dropsRotationHistory)) }
        let message = try #require(error).message
        #expect(message.hasPrefix("session(id:) of a session inserted with a rotation history: SessionRecord differs in olderSecrets"), "\(message)")
        #expect(message.contains("expected [superseded(digest(1) at date(6)), superseded(digest(9) at date(-3))], got []"), "\(message)")
        #expect(!message.contains("currentHash"), "\(message)")
    }

    @Test("An error the rule does not allow becomes a failure that carries it")
    func unexpectedError() async throws {
        let check = try #require(StoreConformanceCheck.named("basics.new-store-is-empty"))
        let error = await #expect(throws: StoreConformanceFailure.self) { try await check.run(on: FlawedStore(.unavailable)) }
        let failure = try #require(error)
        #expect((failure.underlyingError as? AccountError)?.code == .storeUnavailable)
        #expect(failure.message.contains("StoreUnavailable"), "\(failure.message)")
        #expect(failure.fileID == "GatehouseTesting/StoreConformance+Basics.swift")

        let failures = await StoreConformance.failures { check in try await check(FlawedStore(.unavailable)) }
        #expect(failures.count == StoreConformance.checks.count)
    }

    @Test("A fresh-store closure that never runs the check is reported")
    func checkNeverRun() async throws {
        let check = try #require(StoreConformanceCheck.named("basics.new-store-is-empty"))
        let failures = await StoreConformance.failures(of: [check]) { _ in }
        #expect(failures.map(\.check) == [check.name])
    }
}

extension StoreConformanceCheck {
    static func named(_ id: String) -> StoreConformanceCheck? {
        StoreConformance.checks.first { $0.id == id }
    }
}
