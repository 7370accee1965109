import Crypto
import Foundation
import Gatehouse

/// Keeps an identity's provider tokens sealed at rest: AES-256-GCM under a ``ProviderTokenKey``, bound to
/// the identity (its id is the authenticated data, so sealed tokens moved to another row do not open),
/// stored through `IdentityStore.setProviderTokens(_:identityID:at:)`.
///
/// A sealed value is `[key id length][key id][nonce ‖ ciphertext ‖ tag]`; the key id says which key of
/// the list opens it, so that keys can rotate.
public struct ProviderTokenVault: Sendable {
    public let keys: [ProviderTokenKey]
    private let store: any IdentityStore

    /// `keys` must not be empty: the first one seals.
    public init(keys: [ProviderTokenKey], store: any IdentityStore) {
        precondition(!keys.isEmpty, "a vault needs a key")
        self.keys = keys
        self.store = store
    }

    /// Seals and stores `tokens` for the identity, replacing what was kept; returns whether the identity
    /// exists.
    @discardableResult
    public func keep(_ tokens: ProviderTokens, identityID: String, at date: Date) async throws -> Bool {
        try await store.setProviderTokens(try seal(tokens, identityID: identityID), identityID: identityID, at: date)
    }

    /// The identity's kept tokens, opened; `nil` when none are kept. Throws
    /// `AccountError.Code.invalidConfiguration` when they were sealed with a key no longer listed, or
    /// do not open (changed, or moved from another identity).
    public func tokens(identityID: String) async throws -> ProviderTokens? {
        guard let sealed = try await store.providerTokens(identityID: identityID) else { return nil }
        return try open(sealed, identityID: identityID)
    }

    func seal(_ tokens: ProviderTokens, identityID: String) throws -> [UInt8] {
        try SealingKey.seal(Array(JSONEncoder().encode(tokens)), with: keys, context: Self.context(identityID))
    }

    func open(_ sealed: [UInt8], identityID: String) throws(AccountError) -> ProviderTokens {
        let plaintext = try SealingKey.open(sealed, with: keys, context: Self.context(identityID))
        do {
            return try JSONDecoder().decode(ProviderTokens.self, from: Data(plaintext))
        } catch {
            throw AccountError.invalidConfiguration(.unreadableRow)
        }
    }

    private static func context(_ identityID: String) -> String {
        "gatehouse.provider-tokens|\(identityID)"
    }
}
