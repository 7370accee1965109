import Synchronization

/// The keys that sign and verify auth tokens: exactly one signing key and any number of
/// verification-only keys, each found by its `kid`.
///
/// Rotating the signing key with ``rotate(to:)`` logs nobody out: the old key stays available for
/// verification until it is ``retire(kid:)``d, and every token renewed after the rotation is signed
/// with the new key.
public final class KeyRing: Sendable {
    private struct State {
        var signing: SigningKey
        var byID: [String: SigningKey]
    }

    private let state: Mutex<State>

    public init(signingKey: SigningKey, verificationKeys: [SigningKey] = []) {
        var byID: [String: SigningKey] = [:]
        for key in verificationKeys { byID[key.kid] = key }
        byID[signingKey.kid] = signingKey
        state = Mutex(State(signing: signingKey, byID: byID))
    }

    /// The key new tokens are signed with.
    public var signingKey: SigningKey { state.withLock { $0.signing } }

    /// The key with this id, signing or verification-only.
    public func key(kid: String) -> SigningKey? { state.withLock { $0.byID[kid] } }

    /// Every key id, the signing key's first.
    public var keyIDs: [String] {
        state.withLock { state in
            [state.signing.kid] + state.byID.keys.filter { $0 != state.signing.kid }.sorted()
        }
    }

    /// Makes `newKey` the signing key; the previous one stays for verification.
    public func rotate(to newKey: SigningKey) {
        state.withLock { state in
            state.byID[newKey.kid] = newKey
            state.signing = newKey
        }
    }

    /// Adds a key that verifies tokens but does not sign them, so that tokens another server already
    /// signs with it are accepted here before this server starts signing with it too. A key with the
    /// signing key's id is left alone; returns whether the ring changed.
    @discardableResult
    public func addVerificationKey(_ key: SigningKey) -> Bool {
        state.withLock { state in
            guard key.kid != state.signing.kid, state.byID[key.kid] == nil else { return false }
            state.byID[key.kid] = key
            return true
        }
    }

    /// Removes a verification-only key: tokens signed with it stop verifying. The signing key cannot be
    /// retired (rotate first); returns whether a key was removed.
    @discardableResult
    public func retire(kid: String) -> Bool {
        state.withLock { state in
            guard kid != state.signing.kid else { return false }
            return state.byID.removeValue(forKey: kid) != nil
        }
    }
}
