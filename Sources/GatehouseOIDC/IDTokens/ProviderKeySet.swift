import Foundation
import Gatehouse

/// The signature keys an identity provider publishes at its `jwks_uri`, by key id.
///
/// Providers publish keys of many kinds side by side (encryption keys, keys for algorithms Gatehouse
/// does not accept, keys on other curves); those are left out, as RFC 7517 asks of a reader that does
/// not understand a key, so that one odd key does not stop logins. A document that is not a key set,
/// or leaves no key Gatehouse can use, is the provider answering nonsense.
public struct ProviderKeySet: Sendable {
    /// Documents longer than this are refused unread: a key set is a few kilobytes.
    public static let maximumDocumentSize = 128 * 1024
    /// Keys past this many are ignored, so that a huge set cannot make lookups expensive.
    public static let maximumKeyCount = 100

    /// The usable keys, in the document's order.
    public let keys: [ProviderKey]
    private let byID: [String: ProviderKey]

    /// A set of `keys`. When two keys share a key id, the first is kept: a key id must name one key.
    ///
    /// - Throws: `AccountError.Code.providerUnavailable` when `keys` is empty.
    public init(keys: [ProviderKey]) throws(AccountError) {
        guard !keys.isEmpty else { throw AccountError.providerUnavailable() }
        var byID: [String: ProviderKey] = [:]
        var kept: [ProviderKey] = []
        for key in keys.prefix(Self.maximumKeyCount) {
            if let kid = key.kid {
                guard byID[kid] == nil else { continue }
                byID[kid] = key
            }
            kept.append(key)
        }
        self.keys = kept
        self.byID = byID
    }

    /// Reads a JWKS document (`{"keys":[…]}`), keeping the keys that can check ID-token signatures.
    ///
    /// - Throws: `AccountError.Code.providerUnavailable` for a document over
    ///   ``maximumDocumentSize``, one that is not a key set, or one with no usable key.
    public init(parsing document: Data) throws(AccountError) {
        guard document.count <= Self.maximumDocumentSize else { throw AccountError.providerUnavailable() }
        let set: Document
        do {
            set = try JSONDecoder().decode(Document.self, from: document)
        } catch {
            throw AccountError.providerUnavailable()
        }
        try self.init(keys: set.keys.prefix(Self.maximumKeyCount).compactMap { ProviderKey(members: $0) })
    }

    /// The key ids of the set, sorted; keys published without an id are not listed.
    public var keyIDs: [String] { byID.keys.sorted() }

    /// What a token's header finds in the set.
    enum Selection {
        /// The key to check the signature with.
        case key(ProviderKey)
        /// The named key exists but checks another algorithm than the header names.
        case wrongAlgorithm
        /// No key id, and several keys of the algorithm: the token does not say which.
        case ambiguous
        /// No such key: perhaps a rotated key the set does not have yet.
        case missing
    }

    /// The key for a header naming `kid` (optional when the set has exactly one key of `algorithm`).
    func select(kid: String?, algorithm: ProviderKey.Algorithm) -> Selection {
        if let kid {
            guard let key = byID[kid] else { return .missing }
            return key.algorithm == algorithm ? .key(key) : .wrongAlgorithm
        }
        var found: ProviderKey?
        for key in keys where key.algorithm == algorithm {
            guard found == nil else { return .ambiguous }
            found = key
        }
        return found.map(Selection.key) ?? .missing
    }

    /// `{"keys":[…]}`, each key read leniently.
    private struct Document: Decodable {
        var keys: [ProviderKey.Members]
    }
}
