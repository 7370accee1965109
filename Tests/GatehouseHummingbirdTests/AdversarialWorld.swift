import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The server an adversarial case attacks: SQLite in memory, a key ring whose first key has been
/// rotated out and removed, and three accounts with sessions in every interesting state.
///
/// - `alice`: a current session (`aliceToken`), a revoked one (`revokedToken`), and one whose token
///   was signed with the removed key (`retiredKeyToken`).
/// - `kelvin`: a current session (`kelvinToken`), used to show the server still works afterwards.
/// - `jose`: an account with a non-ASCII e-mail address (`josé@example.com`, precomposed).
struct AdversarialWorld: Sendable {
    static let retiredKid = "k-retired"
    static let currentKid = "k-current"
    static let currentSecret = Array("adversarial-current-signing-key-0123456789".utf8)

    let harness: Harness
    let client: any TestClientProtocol
    let alice: Account
    let kelvin: Account
    let aliceToken: String
    let aliceSessionID: String
    let kelvinToken: String
    let kelvinSessionID: String
    let revokedToken: String
    let retiredKeyToken: String

    /// A fresh harness whose key ring `build(_:)` can rotate.
    static func makeHarness() throws -> (Harness, KeyRing) {
        let ring = KeyRing(signingKey: try SigningKey(kid: retiredKid, secret: Array("adversarial-retired-signing-key-9876543210".utf8)))
        let harness = try Harness(store: .sqlite, sessions: { $0.keyRing = ring })
        return (harness, ring)
    }

    static func build(_ harness: Harness, ring: KeyRing, client: any TestClientProtocol) async throws -> AdversarialWorld {
        let alice = try await harness.createAccount("alice")
        let kelvin = try await harness.createAccount("kelvin")
        try await harness.createAccount("jose", email: "jos\u{E9}@example.com")

        let retiredKeyToken = try await client.token("alice")
        ring.rotate(to: try SigningKey(kid: currentKid, secret: currentSecret))
        #expect(ring.retire(kid: retiredKid))

        let revokedLogin = try await client.logIn("alice")
        let revokedToken = try #require(revokedLogin.object["authToken"] as? String)
        let revokedID = try #require(revokedLogin.object[object: "session"]["id"] as? String)
        _ = try await harness.store.revokeSessions(.session(id: revokedID, accountID: alice.accountID), reason: .logout, at: harness.clock.now())

        let aliceLogin = try await client.logIn("alice")
        let kelvinLogin = try await client.logIn("kelvin")
        return AdversarialWorld(
            harness: harness,
            client: client,
            alice: alice,
            kelvin: kelvin,
            aliceToken: try #require(aliceLogin.object["authToken"] as? String),
            aliceSessionID: try #require(aliceLogin.object[object: "session"]["id"] as? String),
            kelvinToken: try #require(kelvinLogin.object["authToken"] as? String),
            kelvinSessionID: try #require(kelvinLogin.object[object: "session"]["id"] as? String),
            revokedToken: revokedToken,
            retiredKeyToken: retiredKeyToken
        )
    }

    var now: Int64 { Int64(harness.clock.now().timeIntervalSince1970) }

    /// The three segments of Alice's current token.
    var aliceSegments: [String] { aliceToken.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }

    /// Alice's current token payload, decoded.
    var alicePayload: [String: Any] {
        let data = Data(Base64URL.decode(aliceSegments[1]) ?? [])
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// A valid payload for Alice's current session, with `changes` applied (`NSNull` removes a claim),
    /// written with sorted keys.
    func payload(_ changes: [String: Any] = [:]) -> String {
        var claims = alicePayload
        for (key, value) in changes {
            if value is NSNull { claims[key] = nil } else { claims[key] = value }
        }
        let data = try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// The header the server writes, with another `alg` or `kid` when given.
    static func header(alg: String = "HS256", kid: String = currentKid) -> String {
        #"{"alg":"\#(alg)","typ":"JWT","kid":"\#(kid)"}"#
    }

    /// A compact token over `header` and `payload`, HMAC-SHA256-signed with `secret` (the current
    /// signing key unless told otherwise), exactly as an attacker who knows the format would build it.
    static func forge(header: String, payload: String, secret: [UInt8] = currentSecret) -> String {
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: secret))
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    /// A token for Alice's session, correctly signed, with changed claims.
    func signed(_ changes: [String: Any]) -> String {
        Self.forge(header: Self.header(), payload: payload(changes))
    }

    /// Everything stored: accounts, their password hashes and contacts, and every session row.
    func snapshot() async throws -> StoreSnapshot {
        let store = harness.store.inner
        var snapshot = StoreSnapshot()
        for account in try await store.accounts(limit: 1_000, offset: 0) {
            snapshot.accounts.append(account)
            snapshot.passwordHashes[account.accountID] = try await store.passwordHash(accountID: account.accountID)
            snapshot.contacts[account.accountID] = try await store.contacts(accountID: account.accountID)
            snapshot.sessions[account.accountID] = try await store.sessions(accountID: account.accountID, includeInvalid: true)
        }
        return snapshot
    }
}

/// What the store holds, compared before and after a hostile request.
struct StoreSnapshot: Equatable, Sendable {
    var accounts: [AccountRecord] = []
    var passwordHashes: [String: String?] = [:]
    var contacts: [String: [ContactRecord]] = [:]
    var sessions: [String: [SessionRecord]] = [:]

    var sessionCount: Int { sessions.values.reduce(0) { $0 + $1.count } }
}
