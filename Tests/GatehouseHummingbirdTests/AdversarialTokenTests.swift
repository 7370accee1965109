import Foundation
@_spi(Fuzzing) import Gatehouse
import HTTPTypes
import Testing

/// Hostile tokens sent to the API. The codec-level table (`AuthTokenCodecTests`) shows each one is
/// refused by the parser; here each one goes through the whole server — header parsing, middleware,
/// key lookup, session lookup — and must come back as its documented error, with nothing written and
/// the server still serving.
@Suite("Adversarial tokens over HTTP")
struct AdversarialTokenTests {
    typealias Case = AdversarialCase
    static let tvf = "TokenVerificationFailed"

    static let forgedHeaders: [Case] = [
        Case("alg none, no signature", .unauthorized, tvf) { world in
            .bearer(Base64URL.encode(Array(AdversarialWorld.header(alg: "none").utf8)) + "." + world.aliceSegments[1] + ".")
        },
        Case("alg none, with a signature", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(alg: "none"), payload: world.payload()))
        },
        Case("alg HS512", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(alg: "HS512"), payload: world.payload()))
        },
        Case("alg RS256", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(alg: "RS256"), payload: world.payload()))
        },
        Case("alg EdDSA with the HMAC key as its key", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(alg: "EdDSA"), payload: world.payload()))
        },
        Case("kid unknown", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(kid: "k-never-existed"), payload: world.payload()))
        },
        Case("kid empty", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(kid: ""), payload: world.payload()))
        },
        Case("kid very long (3,000 characters)", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(kid: String(repeating: "k", count: 3_000)), payload: world.payload()))
        },
        Case("kid path-like", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(kid: "../../../etc/passwd"), payload: world.payload()))
        },
        Case("kid with a NUL escape", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(kid: "k-current\\u0000"), payload: world.payload()))
        },
        Case("header not JSON", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: "alg=HS256", payload: world.payload()))
        },
        Case("header JSON but not an object", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: #"["HS256","JWT","k-current"]"#, payload: world.payload()))
        },
        Case("header with a duplicate alg", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: #"{"alg":"none","alg":"HS256","typ":"JWT","kid":"k-current"}"#, payload: world.payload()))
        },
        Case("header pointing at a key URL", .unauthorized, tvf) { world in
            .bearer(
                AdversarialWorld.forge(
                    header: #"{"alg":"HS256","typ":"JWT","kid":"k-current","jku":"http://127.0.0.1:1/keys"}"#,
                    payload: world.payload()
                )
            )
        },
    ]

    static let forgedPayloads: [Case] = [
        Case("payload not JSON", .unauthorized, tvf) { _ in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(), payload: "sid=1&sub=2"))
        },
        Case("payload JSON but not an object", .unauthorized, tvf) { world in
            .bearer(AdversarialWorld.forge(header: AdversarialWorld.header(), payload: "[\(world.payload())]"))
        },
        Case("payload with a duplicate sid", .unauthorized, tvf) { world in
            .bearer(
                AdversarialWorld.forge(
                    header: AdversarialWorld.header(),
                    payload: String(world.payload().dropLast()) + #","sid":"01HZZZZZZZZZZZZZZZZZZZZZZZ"}"#
                )
            )
        },
        Case("exp as a string", .unauthorized, tvf) { world in .bearer(world.signed(["exp": String(world.now + 3_600)])) },
        Case("exp as a fraction", .unauthorized, tvf) { world in .bearer(world.signed(["exp": Double(world.now) + 3_600.5])) },
        Case("sid as a number", .unauthorized, tvf) { world in .bearer(world.signed(["sid": 42])) },
        Case("sub as an object", .unauthorized, tvf) { world in .bearer(world.signed(["sub": ["id": world.alice.accountID]])) },
        Case("rnd missing", .unauthorized, tvf) { world in .bearer(world.signed(["rnd": NSNull()])) },
        Case("rnd of 8 bytes", .unauthorized, tvf) { world in .bearer(world.signed(["rnd": "AAAAAAAAAAA"])) },
        Case("an extra claim (admin)", .unauthorized, tvf) { world in .bearer(world.signed(["admin": 1])) },
        Case("exp in the past", .unauthorized, tvf) { world in .bearer(world.signed(["exp": world.now - 1])) },
        Case("nbf in the future", .unauthorized, tvf) { world in .bearer(world.signed(["nbf": world.now + 600])) },
        Case("iat far in the future", .unauthorized, tvf) { world in
            .bearer(world.signed(["iat": world.now + 86_400 * 365, "exp": world.now + 86_400 * 372]))
        },
    ]

    static let signatures: [Case] = [
        Case("signed with a retired and removed key", .unauthorized, tvf) { world in .bearer(world.retiredKeyToken) },
        Case("signed with another server's secret under our kid", .unauthorized, tvf) { world in
            .bearer(
                AdversarialWorld.forge(header: AdversarialWorld.header(), payload: world.payload(), secret: Array("another-server-entirely".utf8))
            )
        },
        Case("payload tampered after signing (another account)", .unauthorized, tvf) { world in
            let payload = Base64URL.encode(Array(world.payload(["sub": world.kelvin.accountID]).utf8))
            return .bearer(world.aliceSegments[0] + "." + payload + "." + world.aliceSegments[2])
        },
        Case("payload tampered after signing (longer expiry)", .unauthorized, tvf) { world in
            let payload = Base64URL.encode(Array(world.payload(["exp": world.now + 86_400 * 3_650]).utf8))
            return .bearer(world.aliceSegments[0] + "." + payload + "." + world.aliceSegments[2])
        },
        Case("signature cut short", .unauthorized, tvf) { world in .bearer(String(world.aliceToken.dropLast(4))) },
        Case("signature of another token", .unauthorized, tvf) { world in
            .bearer(world.aliceSegments[0] + "." + world.aliceSegments[1] + "." + world.kelvinToken.split(separator: ".")[2])
        },
    ]

    static let shapes: [Case] = [
        Case("two segments", .unauthorized, tvf) { world in .bearer(world.aliceSegments[0] + "." + world.aliceSegments[1]) },
        Case("four segments", .unauthorized, tvf) { world in .bearer(world.aliceToken + "." + world.aliceSegments[2]) },
        Case("empty header segment", .unauthorized, tvf) { world in .bearer("." + world.aliceSegments[1] + "." + world.aliceSegments[2]) },
        Case("empty payload segment", .unauthorized, tvf) { world in .bearer(world.aliceSegments[0] + ".." + world.aliceSegments[2]) },
        Case("empty signature segment", .unauthorized, tvf) { world in .bearer(world.aliceSegments[0] + "." + world.aliceSegments[1] + ".") },
        Case("only dots", .unauthorized, tvf) { _ in .bearer("..") },
        Case("base64 padding", .unauthorized, tvf) { world in
            .bearer(world.aliceSegments[0] + "==." + world.aliceSegments[1] + "." + world.aliceSegments[2])
        },
        Case("standard base64 alphabet", .unauthorized, tvf) { world in
            .bearer(world.aliceToken.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "+/")
        },
        Case("non-canonical trailing bits", .unauthorized, tvf) { world in
            // The last character of a 43-character signature carries 2 spare bits; setting them is another spelling of the same bytes.
            var signature = Array(world.aliceSegments[2].utf8)
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
            let index = alphabet.firstIndex(of: signature[signature.count - 1])!
            signature[signature.count - 1] = alphabet[index ^ 0x01]
            return .bearer(world.aliceSegments[0] + "." + world.aliceSegments[1] + "." + String(decoding: signature, as: UTF8.self))
        },
        Case("whitespace inside the token", .unauthorized, tvf) { world in
            .authorization("Bearer " + world.aliceSegments[0] + ". " + world.aliceSegments[1] + "." + world.aliceSegments[2])
        },
        Case("a tab inside the token", .unauthorized, tvf) { world in
            .authorization("Bearer " + world.aliceSegments[0] + ".\t" + world.aliceSegments[1] + "." + world.aliceSegments[2])
        },
        Case("8 KiB token", .unauthorized, tvf) { world in
            .bearer(world.aliceSegments[0] + "." + String(repeating: "A", count: 8 * 1_024) + "." + world.aliceSegments[2])
        },
        Case("1 MiB token", .unauthorized, tvf) { _ in .bearer(String(repeating: "eyJhbGciOiJIUzI1NiJ9.", count: 1 << 20 / 21)) },
    ]

    static let sessions: [Case] = [
        Case("valid signature, unknown session", .notFound, "SessionNotFound") { world in
            .bearer(world.signed(["sid": "01HZZZZZZZZZZZZZZZZZZZZZZZ"]))
        },
        Case("valid signature, revoked session", .unauthorized, "InvalidSession") { world in .bearer(world.revokedToken) },
        Case("valid signature, another account's session", .unauthorized, tvf) { world in
            .bearer(world.signed(["sid": world.kelvinSessionID]))
        },
        Case(
            "deactivated account (flag set, sessions left valid)",
            .forbidden,
            "UserDeactivated",
            aliceStillWorks: false,
            prepare: { world in
                _ = try await world.harness.store.setDeactivated(accountID: world.alice.accountID, true, at: world.harness.clock.now())
            },
            probe: { world in .bearer(world.aliceToken) }
        ),
        Case(
            "deactivated account (through Accounts)",
            .unauthorized,
            "InvalidSession",
            aliceStillWorks: false,
            prepare: { world in try await world.harness.accounts.deactivateAccount(accountID: world.alice.accountID) },
            probe: { world in .bearer(world.aliceToken) }
        ),
        Case(
            "deleted account, its session row left behind",
            .unauthorized,
            "UserNotFound",
            prepare: { world in world.harness.store.fail(.accountsVanished) },
            restore: { world in world.harness.store.fail(.none) },
            probe: { world in .bearer(world.aliceToken) }
        ),
        Case("user agent changed", .unauthorized, "InvalidSession") { world in
            AdversarialCase.Probe(headers: [.authorization: "Bearer \(world.aliceToken)", .userAgent: "curl/8.0 (stolen)"], secret: world.aliceToken)
        },
        Case("user agent missing", .unauthorized, "InvalidSession") { world in
            AdversarialCase.Probe(headers: [.authorization: "Bearer \(world.aliceToken)"], secret: world.aliceToken)
        },
        Case("expired token on logout", .unauthorized, tvf) { world in
            .bearer(world.signed(["exp": world.now - 1]), method: .post, path: "/v1/logout")
        },
        Case("another account's session on DELETE /v1/sessions", .unauthorized, tvf) { world in
            .bearer(world.signed(["sid": world.kelvinSessionID]), method: .delete, path: "/v1/sessions")
        },
    ]

    @Test("Forged headers: alg and kid confusion", arguments: forgedHeaders)
    func forgedHeader(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("Forged payloads: shape, types and time claims", arguments: forgedPayloads)
    func forgedPayload(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("Wrong keys and tampering", arguments: signatures)
    func signature(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("Malformed compact serialisation and oversized tokens", arguments: shapes)
    func shape(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("Valid signatures that name the wrong session or account", arguments: sessions)
    func session(_ hostile: AdversarialCase) async throws { try await hostile.run() }
}
