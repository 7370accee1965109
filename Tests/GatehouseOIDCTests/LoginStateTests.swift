import Foundation
@_spi(Fuzzing) import Gatehouse
import Testing

@testable import GatehouseOIDC

/// The browser login's state cookie: sealed with a key derived from the session signing key, so that
/// no field can be changed, no other key's cookie passes, and an old one is refused.
@Suite("Login state cookie")
struct LoginStateTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let key = try! SigningKey(kid: "k1", secret: Array(repeating: 7, count: 32))

    static let state = LoginState(
        provider: "test",
        state: "state-value",
        nonce: "nonce-value",
        verifier: "verifier-value-verifier-value-verifier-value",
        returnTo: "/ui/account",
        expiresAt: Int64(now.timeIntervalSince1970) + 600,
        linkAccountID: nil,
        linkSessionID: nil
    )

    @Test("a sealed state opens under the same ring, before it expires")
    func roundTrip() throws {
        let ring = KeyRing(signingKey: Self.key)
        let sealed = try Self.state.sealed(with: Self.key)
        #expect(LoginState.unsealed(sealed, keys: ring, now: Self.now) == Self.state)
        #expect(LoginState.unsealed(sealed, keys: ring, now: Self.now.addingTimeInterval(601)) == nil)
        #expect(!sealed.contains("verifier-value"), "the payload is encoded, not readable at a glance")
    }

    @Test("a cookie made before a key rotation still opens while the old key is in the ring")
    func rotation() throws {
        let sealed = try Self.state.sealed(with: Self.key)
        let ring = KeyRing(signingKey: try SigningKey(kid: "k2", secret: Array(repeating: 9, count: 32)), verificationKeys: [Self.key])
        #expect(LoginState.unsealed(sealed, keys: ring, now: Self.now) == Self.state)
        let other = KeyRing(signingKey: try SigningKey(kid: "k1", secret: Array(repeating: 8, count: 32)))
        #expect(LoginState.unsealed(sealed, keys: other, now: Self.now) == nil, "the same kid with another secret")
    }

    static func tampered(_ sealed: String) -> [String] {
        let parts = sealed.split(separator: ".").map(String.init)
        var changedState = Self.state
        changedState.returnTo = "https://evil.example"
        let forgedPayload = Base64URL.encode(Array(try! JSONEncoder().encode(changedState)))
        return [
            "",
            "garbage",
            parts[0] + "." + parts[1],
            parts[0] + "." + forgedPayload + "." + parts[2],
            parts[0] + "." + parts[1] + "." + String(parts[2].reversed()),
            "k9." + parts[1] + "." + parts[2],
            sealed + ".extra",
            parts[0] + "." + parts[1] + "." + parts[2].dropLast() + (parts[2].last == "A" ? "B" : "A"),
            String(repeating: "a", count: 5_000),
        ]
    }

    @Test("any change to the cookie is refused")
    func tampering() throws {
        let ring = KeyRing(signingKey: Self.key)
        let sealed = try Self.state.sealed(with: Self.key)
        for value in Self.tampered(sealed) {
            #expect(LoginState.unsealed(value, keys: ring, now: Self.now) == nil, "\(value.prefix(40))")
        }
    }
}

/// Where a browser may be sent after a provider login: this server's paths and allowed origins only.
@Suite("Return addresses")
struct ReturnAddressTests {
    static let settings = IdentityProviderRouteSettings(externalURL: "https://auth.example.com", returnOrigins: ["https://app.example.com"])

    @Test(
        "allowed",
        arguments: [
            ("/", "/"), ("/ui/account", "/ui/account"), ("/x?y=1#z", "/x?y=1#z"), ("https://app.example.com/done", "https://app.example.com/done"),
            ("https://auth.example.com", "https://auth.example.com"), ("https://APP.example.com/", "https://APP.example.com/"),
        ]
    )
    func allowed(_ pair: (String, String)) throws {
        #expect(try ReturnAddress.checked(pair.0, settings: Self.settings) == pair.1)
    }

    @Test("absent is the server's root")
    func absent() throws {
        #expect(try ReturnAddress.checked(nil, settings: Self.settings) == "/")
        #expect(try ReturnAddress.checked("", settings: Self.settings) == "/")
    }

    @Test(
        "refused",
        arguments: [
            "//evil.example", "/\\evil.example", "https://evil.example", "http://app.example.com/", "https://app.example.com.evil.example/",
            "https://app.example.com@evil.example/", "javascript:alert(1)", "evil.example", "/ui/account\r\nSet-Cookie: x=1", "/a b",
            "https://app.example.com:8443/",
        ]
    )
    func refused(_ text: String) {
        #expect(throws: AccountError.invalidRequest(.returnTo)) { try ReturnAddress.checked(text, settings: Self.settings) }
    }
}
