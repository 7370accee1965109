import Gatehouse
import Synchronization

/// A gate that holds every password verification that reaches it until a number of requests are
/// accounted for — each either reached the gate or was answered without reaching it — so that a test
/// can tell how many of a burst of concurrent logins were allowed to check a password.
final class VerificationGate: Sendable {
    private struct State {
        var arrivals = 0
        var accounted = 0
        var isOpen = false
        var held: [CheckedContinuation<Void, Never>] = []

        mutating func account(target: Int) -> [CheckedContinuation<Void, Never>] {
            accounted += 1
            guard !isOpen, accounted >= target else { return [] }
            return openAll()
        }

        mutating func openAll() -> [CheckedContinuation<Void, Never>] {
            isOpen = true
            defer { held = [] }
            return held
        }
    }

    private let state = Mutex(State())
    private let target: Int

    /// A gate that opens once `target` requests are accounted for.
    init(opensAfter target: Int) {
        self.target = target
    }

    /// How many verifications reached the gate.
    var arrivals: Int { state.withLock { $0.arrivals } }

    /// A verification arrives: counted, then held until the gate opens.
    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let released = state.withLock { state in
                state.arrivals += 1
                state.held.append(continuation)
                return state.isOpen ? state.openAll() : state.account(target: target)
            }
            for waiting in released { waiting.resume() }
        }
    }

    /// A request was answered without reaching the gate.
    func answeredWithoutVerification() {
        let released = state.withLock { $0.account(target: target) }
        for waiting in released { waiting.resume() }
    }

    /// Opens the gate whatever was counted (so that nothing stays held when a test ends early).
    func open() {
        let released = state.withLock { $0.openAll() }
        for waiting in released { waiting.resume() }
    }
}

/// Cheap scrypt whose verifications pass through a ``VerificationGate``; hashing is not held.
struct GatedPasswordHasher: PasswordHasher {
    let gate: VerificationGate
    let inner = ScryptPasswordHasher(logN: 4)

    func hash(_ password: String) async throws -> String {
        try await inner.hash(password)
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        await gate.pass()
        return try await inner.verify(password, against: hash)
    }
}
