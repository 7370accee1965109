import Gatehouse
import Synchronization

/// Everything the stress run saw, recorded as it happened, so the invariants can be checked against
/// the store afterwards. Instants are from one `ContinuousClock`, shared by every task.
final class StressLedger: Sendable {
    struct State {
        /// Every token ever handed out, per session, oldest first.
        var tokens: [String: [String]] = [:]
        var accountOfSession: [String: String] = [:]
        /// When each login returned.
        var loginCompleted: [String: ContinuousClock.Instant] = [:]
        /// Successful authentications: the session and when the request started.
        var successes: [(sessionID: String, started: ContinuousClock.Instant)] = []
        /// The earliest moment each session is known to have been revoked.
        var revokedBy: [String: ContinuousClock.Instant] = [:]
        /// Accounts the sign-ups returned.
        var created: [Account] = []
        var refusedSignUps = 0
        /// Errors that are expected under contention, by code.
        var expectedFailures: [String: Int] = [:]
        /// Errors that must not happen, as text.
        var unexpected: [String] = []
    }

    private let state = Mutex(State())

    var snapshot: State { state.withLock { $0 } }

    func issued(_ token: String, session: String, account: String) {
        state.withLock { state in
            state.tokens[session, default: []].append(token)
            state.accountOfSession[session] = account
        }
    }

    func loggedIn(_ token: String, session: String, account: String, at instant: ContinuousClock.Instant) {
        state.withLock { state in
            state.tokens[session, default: []].append(token)
            state.accountOfSession[session] = account
            state.loginCompleted[session] = instant
        }
    }

    /// A token of some session, for a task to present: usually the newest, sometimes an older one,
    /// so that tasks share tokens the way parallel requests of one browser do.
    func pickToken(using random: inout some RandomNumberGenerator) -> (session: String, token: String)? {
        state.withLock { state in
            // Mostly sessions not known to be over, so that renewals chain; now and then an ended one.
            let live = state.tokens.keys.filter { state.revokedBy[$0] == nil }.sorted()
            let pool = live.isEmpty || Int.random(in: 0..<10, using: &random) == 0 ? state.tokens.keys.sorted() : live
            guard let session = pool.randomElement(using: &random), let tokens = state.tokens[session] else { return nil }
            let stale = Int.random(in: 0..<10, using: &random) == 0
            let token = stale ? tokens.randomElement(using: &random)! : tokens[tokens.count - 1]
            return (session, token)
        }
    }

    func sessions(ofAccount account: String) -> [(id: String, loggedInAt: ContinuousClock.Instant?)] {
        state.withLock { state in
            state.accountOfSession.filter { $0.value == account }.map { ($0.key, state.loginCompleted[$0.key]) }
        }
    }

    func succeeded(session: String, started: ContinuousClock.Instant) {
        state.withLock { $0.successes.append((session, started)) }
    }

    func revoked(_ session: String, at instant: ContinuousClock.Instant) {
        state.withLock { state in
            if let known = state.revokedBy[session], known <= instant { return }
            state.revokedBy[session] = instant
        }
    }

    func created(_ account: Account) {
        state.withLock { $0.created.append(account) }
    }

    func refusedSignUp() {
        state.withLock { $0.refusedSignUps += 1 }
    }

    func failed(_ error: any Error, expected codes: Set<AccountError.Code>) {
        state.withLock { state in
            if let error = error as? AccountError, codes.contains(error.code) {
                // A renewal that lost its compare-and-swap too often is refused with the same code as a
                // revoked session; counted apart, since it is contention, not revocation.
                let key = error.message.contains("kept changing") ? "\(error.code.rawValue) (contention)" : error.code.rawValue
                state.expectedFailures[key, default: 0] += 1
            } else {
                state.unexpected.append("\(error)")
            }
        }
    }
}
