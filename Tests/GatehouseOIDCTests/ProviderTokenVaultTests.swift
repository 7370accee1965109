import Foundation
import Gatehouse
import Testing

@testable import GatehouseOIDC

/// Provider tokens kept sealed: only their identity's row opens them, with the key that sealed them, and
/// keys rotate by listing a new one first.
@Suite("Provider token vault")
struct ProviderTokenVaultTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let tokens = ProviderTokens(
        accessToken: "ya29.access-token-value",
        refreshToken: "1//refresh-token-value",
        expiresAt: now.addingTimeInterval(3_600),
        scope: "openid email"
    )

    static func key(_ id: String, _ byte: UInt8) throws -> ProviderTokenKey {
        try ProviderTokenKey(id: id, bytes: Array(repeating: byte, count: 32))
    }

    /// A store with one account and two identities, `a` and `b`.
    static func store() async throws -> MemoryStore {
        let store = MemoryStore()
        let account = AccountRecord(accountID: "acct", username: "jane", email: "jane@example.com", createdAt: now, updatedAt: now)
        let first = IdentityRecord(id: "a", accountID: "acct", provider: "test", issuer: "https://id.example.com", subject: "1", createdAt: now)
        try await store.createAccount(account, identity: first, contacts: [], audit: .none)
        let second = IdentityRecord(id: "b", accountID: "acct", provider: "test", issuer: "https://id.example.com", subject: "2", createdAt: now)
        #expect(try await store.linkIdentity(second, audit: .none))
        return store
    }

    @Test("kept tokens open again, and the stored bytes hold none of them")
    func roundTrip() async throws {
        let store = try await Self.store()
        let vault = ProviderTokenVault(keys: [try Self.key("k1", 1)], store: store)
        #expect(try await vault.keep(Self.tokens, identityID: "a", at: Self.now))
        #expect(try await vault.tokens(identityID: "a") == Self.tokens)
        #expect(try await vault.tokens(identityID: "b") == nil)
        let sealed = try #require(try await store.providerTokens(identityID: "a"))
        let text = String(decoding: sealed, as: UTF8.self)
        #expect(!text.contains("access-token-value") && !text.contains("refresh-token-value") && !text.contains("openid"))
        #expect(try await !vault.keep(Self.tokens, identityID: "no-such-identity", at: Self.now))
    }

    @Test("sealed tokens moved to another identity's row do not open")
    func boundToTheIdentity() async throws {
        let store = try await Self.store()
        let vault = ProviderTokenVault(keys: [try Self.key("k1", 1)], store: store)
        try await vault.keep(Self.tokens, identityID: "a", at: Self.now)
        let sealed = try #require(try await store.providerTokens(identityID: "a"))
        #expect(try await store.setProviderTokens(sealed, identityID: "b", at: Self.now))
        await #expect(throws: AccountError.self) { _ = try await vault.tokens(identityID: "b") }
    }

    @Test("rotation: the first key seals, the others still open what they sealed; a dropped key's tokens do not open")
    func rotation() async throws {
        let store = try await Self.store()
        let old = try Self.key("k1", 1)
        let new = try Self.key("k2", 2)
        try await ProviderTokenVault(keys: [old], store: store).keep(Self.tokens, identityID: "a", at: Self.now)
        let rotated = ProviderTokenVault(keys: [new, old], store: store)
        #expect(try await rotated.tokens(identityID: "a") == Self.tokens)
        try await rotated.keep(Self.tokens, identityID: "b", at: Self.now)
        #expect(try await ProviderTokenVault(keys: [new], store: store).tokens(identityID: "b") == Self.tokens)
        await #expect(throws: AccountError.self) { _ = try await ProviderTokenVault(keys: [new], store: store).tokens(identityID: "a") }
        await #expect(throws: AccountError.self) {
            _ = try await ProviderTokenVault(keys: [try Self.key("k1", 9)], store: store).tokens(identityID: "a")
        }
    }

    @Test("any changed byte is refused")
    func tampering() async throws {
        let store = try await Self.store()
        let vault = ProviderTokenVault(keys: [try Self.key("k1", 1)], store: store)
        try await vault.keep(Self.tokens, identityID: "a", at: Self.now)
        let sealed = try #require(try await store.providerTokens(identityID: "a"))
        for index in [0, 1, 3, sealed.count / 2, sealed.count - 1] {
            var changed = sealed
            changed[index] ^= 0x01
            #expect(throws: AccountError.self) { _ = try vault.open(changed, identityID: "a") }
        }
        #expect(throws: AccountError.self) { _ = try vault.open([], identityID: "a") }
        #expect(throws: AccountError.self) { _ = try vault.open(Array(sealed.prefix(10)), identityID: "a") }
    }

    @Test("key lists: ID:BASE64 of 32 bytes, comma-separated, standard or URL-safe base64")
    func keyLists() throws {
        let raw = Data(repeating: 0xFB, count: 32)
        let standard = raw.base64EncodedString()
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=",
            with: ""
        )
        #expect(try ProviderTokenKey.parseList("k2:\(urlSafe), k1:\(standard)").map(\.id) == ["k2", "k1"])
        let refused = [
            "", "k1", "k1:", ":\(standard)", "k1:not base64!", "k1:\(Data(count: 16).base64EncodedString())", "k1:\(standard),k1:\(standard)",
            "bad id:\(standard)",
        ]
        for text in refused {
            #expect(throws: AccountError.self, "\(text)") { _ = try ProviderTokenKey.parseList(text) }
        }
    }
}
