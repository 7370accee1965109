import Synchronization

import struct Foundation.Date

/// The keys that sign and verify auth tokens: exactly one signing key and any number of
/// verification-only keys, each found by its `kid`.
///
/// Rotating the signing key with ``rotate(to:)`` logs nobody out: the old key stays available for
/// verification until it is ``retire(kid:keepPublishedUntil:)``d, and every token renewed after the rotation is signed
/// with the new key.
///
/// The ring also says which access-token keys a JWKS publishes (``publishedKeys(at:)``): every key it
/// holds, so a new key is published before it signs, and for a while the keys retired with a
/// `keepPublishedUntil` date, so the access tokens they signed can still be checked until they expire.
public final class KeyRing: Sendable {
    private struct State {
        var signing: SigningKey
        var byID: [String: SigningKey]
        /// Retired keys whose access-token half stays published until the date.
        var retiring: [String: (key: SigningKey, until: Date)] = [:]
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
            state.retiring[newKey.kid] = nil
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
            state.retiring[key.kid] = nil
            return true
        }
    }

    /// Removes a verification-only key: session tokens signed with it stop verifying at once. Its
    /// access-token key stays in ``publishedKeys(at:)`` until `keepPublishedUntil` (the latest expiry
    /// of an access token it may have signed), if given. The signing key cannot be retired (rotate
    /// first); returns whether a key was removed.
    @discardableResult
    public func retire(kid: String, keepPublishedUntil: Date? = nil) -> Bool {
        state.withLock { state in
            guard kid != state.signing.kid, let key = state.byID.removeValue(forKey: kid) else { return false }
            if let keepPublishedUntil { state.retiring[kid] = (key, keepPublishedUntil) }
            return true
        }
    }

    /// Keeps a retired key published until `until`: for a server that learns of a key only once it
    /// is retired (a restart), so that access tokens it signed can still be checked. A key the ring
    /// holds is left alone; `until` replaces an earlier date.
    public func keepPublished(_ key: SigningKey, until: Date) {
        state.withLock { state in
            guard state.byID[key.kid] == nil else { return }
            state.retiring[key.kid] = (key, until)
        }
    }

    /// The access-token keys a JWKS publishes at `now`: the keys of the ring, signing key first, then
    /// the retired keys still within their date. Keys past their date are dropped from the ring.
    public func publishedKeys(at now: Date) -> [AccessTokenPublicKey] {
        state.withLock { state in
            state.retiring = state.retiring.filter { $0.value.until > now }
            let held = [state.signing] + state.byID.values.filter { $0.kid != state.signing.kid }.sorted { $0.kid < $1.kid }
            let retiring = state.retiring.values.map(\.key).sorted { $0.kid < $1.kid }
            return (held + retiring).map(\.accessTokenKey.publicKey)
        }
    }
}
