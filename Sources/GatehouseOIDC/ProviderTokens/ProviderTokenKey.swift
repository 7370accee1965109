import Crypto
import Foundation
import Gatehouse

/// One AES-256-GCM key that seals provider tokens, with the id sealed tokens name it by.
///
/// Keys rotate by listing a new key first: it seals from then on, and the older keys still open what
/// they sealed until those tokens are replaced (at the identity's next login) or dropped.
public struct ProviderTokenKey: Sendable {
    /// 1 to 32 characters of `A-Z`, `a-z`, `0-9`, `_` and `-`.
    public let id: String
    let key: SymmetricKey

    /// A key from its id and 32 raw bytes. Throws `AccountError.Code.invalidConfiguration`.
    public init(id: String, bytes: [UInt8]) throws(AccountError) {
        guard (1...32).contains(id.utf8.count), SigningKey.isValidKeyID(id) else { throw AccountError.invalidConfiguration(.keyID) }
        guard bytes.count == 32 else { throw AccountError.invalidConfiguration(.secret) }
        self.id = id
        self.key = SymmetricKey(data: bytes)
    }

    /// Keys written `ID:BASE64,ID:BASE64` (standard or URL-safe base64 of 32 bytes), the first one
    /// sealing. Throws `AccountError.Code.invalidConfiguration` without repeating a key.
    public static func parseList(_ text: String) throws(AccountError) -> [ProviderTokenKey] {
        var keys: [ProviderTokenKey] = []
        for entry in text.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw AccountError.invalidConfiguration(.secret) }
            let encoded = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            let padded = encoded + String(repeating: "=", count: (4 - encoded.count % 4) % 4)
            guard let bytes = Data(base64Encoded: padded) else { throw AccountError.invalidConfiguration(.secret) }
            let key = try ProviderTokenKey(id: String(parts[0]), bytes: Array(bytes))
            guard !keys.contains(where: { $0.id == key.id }) else { throw AccountError.invalidConfiguration(.keyIDTaken) }
            keys.append(key)
        }
        guard !keys.isEmpty else { throw AccountError.invalidConfiguration(.secret) }
        return keys
    }
}
