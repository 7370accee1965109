import CoreMetrics
import Foundation
import Gatehouse
import GatehouseSQLite
import GatehouseServer
import GatehouseTesting
import Synchronization
import Testing

@Suite("InstrumentedStore: every store operation timed, nothing else changed")
struct InstrumentedStoreTests {
    /// The stores the decorator is checked over: one in memory, one on a real SQLite file.
    enum Inner: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory
        case sqliteFile

        var testDescription: String { rawValue }
    }

    @Test("The decorated store keeps every rule of the store protocols", arguments: StoreConformance.checks, Inner.allCases)
    func conformance(check: StoreConformanceCheck, inner: Inner) async throws {
        try await withInstrumentedStore(over: inner) { store, _ in
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

    @Test("Each operation is one timer, made with the decorator, in seconds, labelled by its snake_case name")
    func timersMadeOnce() async throws {
        let metrics = TimerRecorder()
        let store = InstrumentedStore(MemoryStore(), metricsFactory: metrics)
        let names = InstrumentedStore.Operation.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.wholeMatch(of: /[a-z]+(_[a-z]+)*/) != nil }, "\(names)")
        #expect(metrics.timersMade.sorted() == names.map { "gatehouse_store_operation_duration_seconds{operation=\($0)}" }.sorted())
        #expect(metrics.displayUnits == Array(repeating: .seconds, count: names.count))

        try await StoreFixture.create(StoreFixture.account("alice"), in: store)
        _ = try await store.account(username: "alice")
        #expect(metrics.timersMade.count == names.count, "a call makes no timer of its own")
    }

    @Test("Every operation records one timing under its own name, and only there")
    func everyOperation() async throws {
        let metrics = TimerRecorder()
        let inner = MemoryStore()
        let store = InstrumentedStore(inner, metricsFactory: metrics)
        let alice = try await StoreFixture.create(StoreFixture.account("alice"), in: inner)
        let bob = StoreFixture.account("bob")
        let carol = StoreFixture.account("carol")
        let date = StoreFixture.date(60)
        let calls: [(InstrumentedStore.Operation, (InstrumentedStore) async throws -> Void)] = [
            (.createAccount, { try await StoreFixture.create(bob, in: $0) }),
            (.accountByID, { _ = try await $0.account(id: alice.accountID) }),
            (.accountByUsername, { _ = try await $0.account(username: alice.username) }),
            (.accountByEmail, { _ = try await $0.account(email: alice.email) }),
            (.passwordHash, { _ = try await $0.passwordHash(accountID: alice.accountID) }),
            (.setPasswordHash, { _ = try await $0.setPasswordHash(accountID: bob.accountID, hash: "hash-v2", at: date) }),
            (.setDeactivated, { _ = try await $0.setDeactivated(accountID: bob.accountID, true, at: date) }),
            (.contacts, { _ = try await $0.contacts(accountID: alice.accountID) }),
            (.markContactVerified, { _ = try await $0.markContactVerified(accountID: alice.accountID, kind: .email, value: alice.email) }),
            (.accounts, { _ = try await $0.accounts(limit: 10, offset: 0) }),
            (.changePrimaryEmail, { _ = try await $0.changePrimaryEmail(accountID: bob.accountID, to: "robert@example.com", at: date) }),
            (.deleteAccount, { _ = try await $0.deleteAccount(accountID: bob.accountID) }),
            (.insertSession, { try await $0.insertSession(StoreFixture.session("s1", of: alice), requiringAccountEpoch: alice.sessionEpoch) }),
            (.session, { _ = try await $0.session(id: "s1") }),
            (.sessionWithAccount, { _ = try await $0.sessionWithAccount(id: "s1") }),
            (.updateSessions, { _ = try await $0.updateSessions([StoreFixture.rotation(of: "s1", from: 1, to: 2)]) }),
            (.revokeSessions, { _ = try await $0.revokeSessions(.session(id: "s1", accountID: alice.accountID), reason: .logout, at: date) }),
            (.recordAuthentication, { _ = try await $0.recordAuthentication(sessionID: "s1", methods: [.password], at: date, audit: .none) }),
            (.sessions, { _ = try await $0.sessions(accountID: alice.accountID, includeInvalid: true) }),
            (.deleteSessions, { _ = try await $0.deleteSessions(endedBefore: date) }),
            (.insertToken, { try await $0.insertToken(StoreFixture.token("t1", of: alice, hash: 9), messages: []) }),
            (.consumeToken, { _ = try await $0.consumeToken(hash: StoreFixture.digest(9), kind: .emailVerification, at: date) }),
            (.deleteTokens, { _ = try await $0.deleteTokens(accountID: alice.accountID, kind: .emailVerification) }),
            (.tokens, { _ = try await $0.tokens(accountID: alice.accountID, kind: .emailVerification) }),
            (.signingKeys, { _ = try await $0.signingKeys() }),
            (.insertSigningKey, { try await $0.insertSigningKey(StoreFixture.signingKey("k1", signing: true)) }),
            (.retireSigningKey, { _ = try await $0.retireSigningKey(kid: "k1") }),
            (.reserveAttempt, { _ = try await $0.reserveAttempt(under: [StoreFixture.limit("login:alice", allowing: 5)], at: date) }),
            (.releaseAttempt, { try await $0.releaseAttempt(keys: ["login:alice"], at: date) }),
            (.clearAttempts, { try await $0.clearAttempts(keys: ["login:alice"], prefixes: ["login:"]) }),
            (.recordTrustedAddress, { try await $0.recordTrustedAddress("192.0.2.1", account: alice.accountID, at: date) }),
            (.forgetTrustedAddresses, { try await $0.forgetTrustedAddresses(account: alice.accountID) }),
            (.isTrustedAddress, { _ = try await $0.isTrustedAddress("192.0.2.1", account: alice.accountID, since: date) }),
            (.deleteThrottleState, { _ = try await $0.deleteThrottleState(endedBefore: date) }),
            (.enqueue, { try await $0.enqueue([StoreFixture.message("m1", of: alice)]) }),
            (.claimMessages, { _ = try await $0.claimMessages(channel: .mail, limit: 1, leaseUntil: StoreFixture.date(120), at: date) }),
            (.markSent, { try await $0.markSent(id: "m1", at: date) }),
            (.markForRetry, { try await $0.markForRetry(id: "m1", attempts: 1, nextAttemptAt: date, error: "unreachable") }),
            (.markFailed, { try await $0.markFailed(id: "m1", attempts: 2, error: "unreachable", at: date) }),
            (.messages, { _ = try await $0.messages(status: nil, limit: 10) }),
            (.message, { _ = try await $0.message(id: "m1") }),
            (.retryMessage, { _ = try await $0.retryMessage(id: "m1", at: date) }),
            (.deleteMessages, { _ = try await $0.deleteMessages(endedBefore: date) }),
            (.recordAudit, { try await $0.recordAudit(StoreFixture.trail("e1", of: alice)) }),
            (.auditEvents, { _ = try await $0.auditEvents(accountID: alice.accountID, since: nil, before: nil, limit: 10) }),
            (.deleteAuditEvents, { _ = try await $0.deleteAuditEvents(before: date) }),
            (.identity, { _ = try await $0.identity(issuer: StoreFixture.issuer, subject: "sub-1") }),
            (.identities, { _ = try await $0.identities(accountID: alice.accountID) }),
            (
                .createAccountWithIdentity,
                { try await StoreFixture.create(carol, in: $0, identity: StoreFixture.identity("i1", of: carol, subject: "sub-1")) }
            ),
            (.linkIdentity, { _ = try await $0.linkIdentity(StoreFixture.identity("i2", of: alice, subject: "sub-2"), audit: .none) }),
            (.unlinkIdentity, { _ = try await $0.unlinkIdentity(id: "i2", accountID: alice.accountID, audit: .none) }),
            (.setProviderTokens, { _ = try await $0.setProviderTokens([1, 2, 3], identityID: "i1", at: date) }),
            (.providerTokens, { _ = try await $0.providerTokens(identityID: "i1") }),
            (.totpFactor, { _ = try await $0.totpFactor(accountID: alice.accountID) }),
            (.beginTOTPEnrolment, { _ = try await $0.beginTOTPEnrolment(StoreFixture.totpFactor(of: alice)) }),
            (
                .confirmTOTP,
                {
                    _ = try await $0.confirmTOTP(
                        accountID: alice.accountID,
                        createdAt: StoreFixture.date(0),
                        step: 100,
                        recoveryCodeHashes: [StoreFixture.digest(1)],
                        at: date,
                        audit: .none
                    )
                }
            ),
            (.useTOTPStep, { _ = try await $0.useTOTPStep(accountID: alice.accountID, step: 101) }),
            (
                .useRecoveryCode,
                { _ = try await $0.useRecoveryCode(accountID: alice.accountID, hash: StoreFixture.digest(1), at: date, audit: .none) }
            ),
            (.unusedRecoveryCodeCount, { _ = try await $0.unusedRecoveryCodeCount(accountID: alice.accountID) }),
            (.deleteTOTP, { _ = try await $0.deleteTOTP(accountID: alice.accountID, audit: .none) }),
            (.insertPasskeyChallenge, { try await $0.insertPasskeyChallenge(StoreFixture.passkeyChallenge(1, of: alice)) }),
            (
                .consumePasskeyChallenge,
                { _ = try await $0.consumePasskeyChallenge(hash: StoreFixture.digest(1), purpose: .authentication, at: date) }
            ),
            (.passkeys, { _ = try await $0.passkeys(accountID: alice.accountID) }),
            (.passkey, { _ = try await $0.passkey(credentialID: StoreFixture.passkey("pk-1", of: alice, credential: 1).credentialID) }),
            (.insertPasskey, { _ = try await $0.insertPasskey(StoreFixture.passkey("pk-1", of: alice, credential: 1), audit: .none) }),
            (.usePasskey, { _ = try await $0.usePasskey(id: "pk-1", signCount: 1, at: date) }),
            (.deletePasskey, { _ = try await $0.deletePasskey(id: "pk-1", accountID: alice.accountID, audit: .none) }),
        ]
        #expect(calls.map(\.0.rawValue) == InstrumentedStore.Operation.allCases.map(\.rawValue), "every operation is called, once")

        for (operation, call) in calls {
            var expected = metrics.timingCounts
            expected[operation.rawValue, default: 0] += 1
            // Whether the call succeeds does not matter here: it is timed either way.
            try? await call(store)
            #expect(metrics.timingCounts == expected, "calling \(operation)")
        }
        #expect(metrics.timingCounts == Dictionary(uniqueKeysWithValues: calls.map { ($0.0.rawValue, 1) }))
        // A duration is never negative; how long a call takes is for the benchmark, not for a test.
        #expect(metrics.durations.allSatisfy { $0 >= 0 }, "nanoseconds: \(metrics.durations)")
    }

    @Test("A session's life records one timing per call, under the operation's stable name")
    func sessionLife() async throws {
        let metrics = TimerRecorder()
        let store = InstrumentedStore(MemoryStore(), metricsFactory: metrics)
        let alice = try await StoreFixture.create(StoreFixture.account("alice"), in: store)
        #expect(try await store.account(username: "alice") == alice)
        try await store.insertSession(StoreFixture.session("s1", of: alice), requiringAccountEpoch: alice.sessionEpoch)
        #expect(try await store.sessionWithAccount(id: "s1")?.account == alice)
        #expect(try await store.updateSessions([StoreFixture.rotation(of: "s1", from: 1, to: 2)]) == [true])
        #expect(try await store.revokeSessions(.session(id: "s1", accountID: alice.accountID), reason: .logout, at: StoreFixture.date(30)) == 1)

        #expect(
            metrics.timingCounts == [
                "create_account": 1, "account_by_username": 1, "insert_session": 1, "session_with_account": 1, "update_sessions": 1,
                "revoke_sessions": 1,
            ]
        )
    }

    @Test("A call that throws is timed, and its error comes back unchanged", arguments: Inner.allCases)
    func throwingCall(inner: Inner) async throws {
        try await withInstrumentedStore(over: inner) { store, metrics in
            let nobody = StoreFixture.account("nobody")
            do {
                try await store.insertSession(StoreFixture.session("s1", of: nobody), requiringAccountEpoch: 0)
                Issue.record("a session of a missing account was stored")
            } catch let error as AccountError {
                #expect(error.code == .userNotFound)
            }

            let alice = try await StoreFixture.create(StoreFixture.account("alice"), in: store)
            do {
                try await StoreFixture.create(StoreFixture.account("alice", email: "other@example.com"), in: store)
                Issue.record("a taken username was accepted")
            } catch let error as AccountError {
                #expect(error.code == .conflict)
            }
            #expect(try await store.account(id: alice.accountID) == alice)

            #expect(metrics.timingCounts == ["insert_session": 1, "create_account": 2, "account_by_id": 1])
            // A duration is never negative; how long a call takes is for the benchmark, not for a test.
            #expect(metrics.durations.allSatisfy { $0 >= 0 }, "nanoseconds: \(metrics.durations)")
        }
    }

    @Test("migrate() and backgroundServices(logger:) are the wrapped store's, and are not timed")
    func lifecycleForwarded() async throws {
        try await withTemporaryDirectory { directory in
            let inner = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, logger: quietLogger)
            let metrics = TimerRecorder()
            let store = InstrumentedStore(inner, metricsFactory: metrics)
            try await store.migrate()
            // A file store runs a WAL checkpointer; the protocol's default would run nothing.
            let services = store.backgroundServices(logger: quietLogger)
            #expect(services.count == 1)
            #expect(services.allSatisfy { $0 is SQLiteCheckpointer })
            #expect((store.inner as? SQLiteStore) === inner)
            #expect(metrics.timingCounts.isEmpty)
        }
    }

    /// Runs `body` with a fresh, empty, migrated `inner` store wrapped in an ``InstrumentedStore`` that
    /// reports to a recorder of its own, and disposes of the store afterwards.
    private func withInstrumentedStore(
        over inner: Inner,
        _ body: (InstrumentedStore, TimerRecorder) async throws -> Void
    ) async throws {
        let metrics = TimerRecorder()
        switch inner {
        case .memory:
            try await body(InstrumentedStore(MemoryStore(), metricsFactory: metrics), metrics)
        case .sqliteFile:
            try await withTemporaryDirectory { directory in
                let file = try SQLiteStore(path: directory.appendingPathComponent("gatehouse.sqlite").path, logger: quietLogger)
                let store = InstrumentedStore(file, metricsFactory: metrics)
                try await store.migrate()
                try await body(store, metrics)
            }
        }
    }
}

/// A metrics factory that keeps what its timers record, by the timer's `operation` dimension; every
/// other kind of metric goes nowhere.
private final class TimerRecorder: MetricsFactory {
    private struct State {
        var timersMade: [String] = []
        var displayUnits: [TimeUnit] = []
        var durations: [String: [Int64]] = [:]
    }

    private let state = Mutex(State())

    /// Each timer made, as `label{name=value,…}`.
    var timersMade: [String] { state.withLock { $0.timersMade } }
    /// The display units the timers asked for.
    var displayUnits: [TimeUnit] { state.withLock { $0.displayUnits } }
    /// How many durations each operation recorded.
    var timingCounts: [String: Int] { state.withLock { $0.durations.mapValues(\.count) } }
    /// Every duration recorded, in nanoseconds.
    var durations: [Int64] { state.withLock { $0.durations.values.flatMap { $0 } } }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        state.withLock { $0.timersMade.append(label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}") }
        return Handler(operation: dimensions.first { $0.0 == "operation" }?.1 ?? "", recorder: self)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { NOOPMetricsHandler.instance }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    private final class Handler: TimerHandler {
        let operation: String
        let recorder: TimerRecorder

        init(operation: String, recorder: TimerRecorder) {
            self.operation = operation
            self.recorder = recorder
        }

        func recordNanoseconds(_ duration: Int64) {
            recorder.state.withLock { $0.durations[operation, default: []].append(duration) }
        }

        func preferDisplayUnit(_ unit: TimeUnit) {
            recorder.state.withLock { $0.displayUnits.append(unit) }
        }
    }
}
