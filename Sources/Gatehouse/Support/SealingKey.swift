import Crypto
import Foundation

/// One AES-256-GCM key that seals secrets kept at rest — provider tokens, TOTP secrets — with the id
/// sealed values name it by.
///
/// Keys rotate by listing a new key first: it seals from then on, and the older keys still open what
/// they sealed until those values are sealed again or dropped. The keys live outside the database
/// (configuration), so that a copy of the database alone opens nothing.
public struct SealingKey: Sendable {
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
    public static func parseList(_ text: String) throws(AccountError) -> [SealingKey] {
        var keys: [SealingKey] = []
        for entry in text.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw AccountError.invalidConfiguration(.secret) }
            let encoded = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            let padded = encoded + String(repeating: "=", count: (4 - encoded.count % 4) % 4)
            guard let bytes = Data(base64Encoded: padded) else { throw AccountError.invalidConfiguration(.secret) }
            let key = try SealingKey(id: String(parts[0]), bytes: Array(bytes))
            guard !keys.contains(where: { $0.id == key.id }) else { throw AccountError.invalidConfiguration(.keyIDTaken) }
            keys.append(key)
        }
        guard !keys.isEmpty else { throw AccountError.invalidConfiguration(.secret) }
        return keys
    }

    /// Seals `plaintext` under the first of `keys`, bound to `context` (the authenticated data: a value
    /// sealed for one row does not open as another's). The result is
    /// `[key id length][key id][nonce ‖ ciphertext ‖ tag]`.
    public static func seal(_ plaintext: [UInt8], with keys: [SealingKey], context: String) throws(AccountError) -> [UInt8] {
        guard let key = keys.first else { throw AccountError.invalidConfiguration(.secret) }
        do {
            let box = try AES.GCM.seal(plaintext, using: key.key, authenticating: Data(context.utf8))
            guard let combined = box.combined else { throw AccountError.invalidConfiguration(.secret) }
            return [UInt8(key.id.utf8.count)] + Array(key.id.utf8) + Array(combined)
        } catch {
            throw AccountError.invalidConfiguration(.secret)
        }
    }

    /// Opens what ``seal(_:with:context:)`` made, with the key it names. Throws
    /// `AccountError.Code.invalidConfiguration`: ``AccountError/Detail/unknownKeyID`` when that key is
    /// no longer listed, ``AccountError/Detail/unreadableRow`` when the value does not open (changed, or
    /// sealed for another context).
    public static func open(_ sealed: [UInt8], with keys: [SealingKey], context: String) throws(AccountError) -> [UInt8] {
        guard let length = sealed.first.map(Int.init), sealed.count > 1 + length,
            let id = String(bytes: sealed[1..<(1 + length)], encoding: .utf8),
            let key = keys.first(where: { $0.id == id })
        else { throw AccountError.invalidConfiguration(.unknownKeyID) }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed[(1 + length)...])
            return Array(try AES.GCM.open(box, using: key.key, authenticating: Data(context.utf8)))
        } catch {
            throw AccountError.invalidConfiguration(.unreadableRow)
        }
    }
}
