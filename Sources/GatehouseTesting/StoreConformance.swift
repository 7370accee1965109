import Gatehouse

/// The rules every `GatehouseStore` keeps, as checks a store's own tests can run.
///
/// The built-in stores (memory, SQLite, PostgreSQL) pass every check in ``checks``; a store that
/// passes them too can take their place. Each check needs a fresh, empty store that is ready for use
/// (migrated, its background services running): the tests prepare it, so the checks work the same
/// way for a dictionary in memory and for a database behind a connection pool.
///
/// The checks come grouped by ``Concern``: the basics, accounts, sessions, session epochs, session
/// updates, one-time tokens, signing keys, throttles, the outbox, the audit log, linked identities, second
/// factors and passkeys; ``checks(_:)`` selects one concern. They pass their own dates to the store (whole
/// seconds after ``StoreFixture/epoch``), except where the rule is that the store reads its own clock: a
/// rotation that takes the commit time must come back stamped later than a decision time far in the
/// past, which the system clock, or a manual one set anywhere near ``StoreFixture/epoch``, satisfies.
///
/// With Swift Testing, one parameterised test runs every check as a case of its own:
///
/// ```swift
/// import GatehouseTesting
/// import Testing
///
/// @Test(arguments: StoreConformance.checks)
/// func conformance(_ check: StoreConformanceCheck) async throws {
///     try await check.run(on: MyStore())
/// }
/// ```
///
/// A store that needs setting up gets it in the test, around the check: a database store might
/// start its connection pool, create a schema of its own, migrate, run the check, and drop the schema.
///
/// With XCTest, ``failures(of:withFreshStore:)`` runs them all and returns what failed, each failure
/// saying which check broke and why:
///
/// ```swift
/// import GatehouseTesting
/// import XCTest
///
/// final class MyStoreConformanceTests: XCTestCase {
///     func testConformance() async {
///         let failures = await StoreConformance.failures { check in
///             let store = MyStore()
///             try await store.migrate()
///             try await check(store)
///         }
///         for failure in failures { XCTFail(failure.description) }
///     }
/// }
/// ```
public enum StoreConformance {
    /// The parts of the store protocols the checks are about.
    public enum Concern: String, Sendable, CaseIterable, CustomStringConvertible {
        /// What a new store holds: nothing.
        case basics
        /// `AccountStore`: accounts, contacts, password hashes, uniqueness; finding an account by any of its
        /// e-mail addresses, changing its primary one, and deleting an account with everything of it.
        case accounts
        /// `SessionStore`: inserting, reading, listing, revoking and deleting sessions.
        case sessions
        /// `AccountRecord.sessionEpoch`: the writes that move it (`AccountStore` and `SessionStore`), and
        /// `SessionStore.insertSession(_:requiringAccountEpoch:)`, which stores a session only under the
        /// account's current epoch — also while the epoch moves concurrently.
        case sessionEpochs = "session-epochs"
        /// `SessionStore.updateSessions(_:)`: compare-and-swap writes, alone, in batches and concurrently,
        /// with their further conditions and the store's commit time.
        case sessionUpdates = "session-updates"
        /// `TokenStore`: single-use tokens, and the messages written with them in one transaction.
        case tokens
        /// `SigningKeyStore`: signing keys, their demotion and their retirement.
        case signingKeys = "signing-keys"
        /// `ThrottleStore`: attempt counters under several limits, all or nothing and concurrently, their
        /// windows, releases and clearing; trusted addresses, their forgetting; and the deletion of what ended.
        case throttles
        /// `OutboxStore`: messages waiting for delivery, their claims and leases — also by concurrent
        /// couriers —, their outcomes, listing, retry and deletion.
        case outbox
        /// `AuditStore`: audit events and their webhook calls, written with the change they record — and
        /// only when it takes effect —, listed by account, time and page, and swept.
        case audit
        /// `IdentityStore`: identities at OpenID Connect providers, unique by (issuer, subject) across
        /// accounts, linked with a new account or an existing one, listed, unlinked — never the account's
        /// last way to log in, also concurrently — and deleted with their account; their sealed provider
        /// tokens, replaced, deleted, and gone with their identity.
        case identities
        /// `SecondFactorStore`: an account's TOTP factor, pending until confirmed and replaced while it is,
        /// its time steps each accepted once — also concurrently —, its single-use recovery codes, replaced
        /// on confirmation, and its deletion, with the account's or on its own, with the trail it takes.
        case secondFactors = "second-factors"
        /// `PasskeyStore`: passkeys, one per credential id across accounts, registered only to an existing
        /// account, their sign counts moving only forward — also concurrently —, deleted by their owner or
        /// with the account, with the trail they take; and the single-use challenges of their ceremonies,
        /// taken once for their purpose before they expire — also concurrently — and swept once expired.
        case passkeys

        /// The concern as a title: "Session updates".
        public var title: String {
            switch self {
            case .basics: "Basics"
            case .accounts: "Accounts"
            case .sessions: "Sessions"
            case .sessionEpochs: "Session epochs"
            case .sessionUpdates: "Session updates"
            case .tokens: "One-time tokens"
            case .signingKeys: "Signing keys"
            case .throttles: "Throttles"
            case .outbox: "Outbox"
            case .audit: "Audit log"
            case .identities: "Linked identities"
            case .secondFactors: "Second factors"
            case .passkeys: "Passkeys"
            }
        }

        /// The ``title``.
        public var description: String { title }
    }

    /// Every check, grouped by concern in the order of `Concern.allCases`.
    public static let checks: [StoreConformanceCheck] =
        basicChecks + accountChecks + sessionChecks + sessionEpochChecks + sessionUpdateChecks + sessionUpdateConditionChecks
        + tokenChecks + signingKeyChecks + throttleChecks + outboxChecks + auditChecks + identityChecks + secondFactorChecks
        + passkeyChecks

    /// The checks about one concern, for a store that implements only some of the store protocols
    /// and tests them through a `GatehouseStore` that forwards the rest.
    public static func checks(_ concern: Concern) -> [StoreConformanceCheck] {
        checks.filter { $0.concern == concern }
    }

    /// Runs `checks` one after the other, each against a fresh store, and returns the failures: none
    /// when the store keeps every rule.
    ///
    /// `withFreshStore` prepares a new, empty store that is ready for use, passes it to the check it is
    /// given, and disposes of the store afterwards. An error it throws (other than the check's own
    /// ``StoreConformanceFailure``) becomes a failure of that check.
    ///
    /// ```swift
    /// let failures = await StoreConformance.failures { check in try await check(MyStore()) }
    /// ```
    public static func failures(
        of checks: [StoreConformanceCheck] = StoreConformance.checks,
        withFreshStore: (_ check: (any GatehouseStore) async throws -> Void) async throws -> Void
    ) async -> [StoreConformanceFailure] {
        var failures: [StoreConformanceFailure] = []
        for check in checks {
            var ran = false
            do {
                try await withFreshStore { store in
                    ran = true
                    try await check.run(on: store)
                }
                if !ran {
                    failures.append(StoreConformanceFailure(check: check.name, message: "withFreshStore returned without running the check"))
                }
            } catch let failure as StoreConformanceFailure {
                failures.append(failure)
            } catch {
                failures.append(
                    StoreConformanceFailure(
                        check: check.name,
                        message: "preparing or disposing of the store threw \(describe(error))",
                        underlyingError: error
                    )
                )
            }
        }
        return failures
    }
}
