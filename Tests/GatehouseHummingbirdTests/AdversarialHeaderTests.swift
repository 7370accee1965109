import Foundation
import Gatehouse
import HTTPTypes
import Testing

/// Hostile `Authorization` and `Cookie` headers: the middleware must either find exactly one
/// well-formed token or refuse, never guess.
@Suite("Adversarial Authorization and Cookie headers")
struct AdversarialHeaderTests {
    typealias Case = AdversarialCase
    typealias Probe = AdversarialCase.Probe
    static let tvf = "TokenVerificationFailed"

    static let authorizations: [Case] = [
        Case("the token without the Bearer scheme", .unauthorized, "Unauthorized") { world in .authorization(world.aliceToken) },
        Case("another scheme (Token)", .unauthorized, "Unauthorized") { world in .authorization("Token " + world.aliceToken) },
        Case("Bearer with no token", .unauthorized, tvf) { _ in .authorization("Bearer") },
        Case("Bearer with two tokens", .unauthorized, tvf) { world in .authorization("Bearer \(world.aliceToken) \(world.kelvinToken)") },
        Case("two Bearer credentials in one header", .unauthorized, tvf) { world in
            .authorization("Bearer \(world.aliceToken), Bearer \(world.kelvinToken)")
        },
        Case("two Authorization headers", .unauthorized, tvf) { world in
            var headers: HTTPFields = [.userAgent: Harness.userAgent]
            headers.append(HTTPField(name: .authorization, value: "Bearer \(world.aliceToken)"))
            headers.append(HTTPField(name: .authorization, value: "Bearer \(world.kelvinToken)"))
            return Probe(headers: headers, secret: world.aliceToken)
        },
        Case("non-ASCII characters in the token", .unauthorized, tvf) { world in
            .authorization("Bearer " + world.aliceToken.replacingOccurrences(of: "e", with: "\u{435}"))
        },
        Case("raw bytes that are not UTF-8", .unauthorized, tvf) { world in
            var headers: HTTPFields = [.userAgent: Harness.userAgent]
            headers.append(
                HTTPField(name: .authorization, lenientValue: Array("Bearer ".utf8) + [0xFF, 0xFE, 0xC3, 0x28] + Array(world.aliceToken.utf8))
            )
            return Probe(headers: headers, secret: world.aliceToken)
        },
        Case("a no-break space after Bearer", .unauthorized, "Unauthorized") { world in .authorization("Bearer\u{A0}" + world.aliceToken) },
        Case("a forged Bearer token next to a valid cookie", .unauthorized, tvf) { world in
            // The explicit header wins and its failure is final: no fallback to the cookie.
            Probe(headers: [
                .authorization: "Bearer \(world.aliceToken)x", .cookie: "__Host-gatehouse=\(world.kelvinToken)", .userAgent: Harness.userAgent,
            ])
        },
    ]

    static let cookies: [Case] = [
        Case("session cookie empty", .unauthorized, "Unauthorized") { _ in .cookie("__Host-gatehouse=") },
        Case("session cookie a lone quote", .unauthorized, tvf) { _ in .cookie("__Host-gatehouse=\"") },
        Case("session cookie with a space inside", .unauthorized, tvf) { world in
            .cookie("__Host-gatehouse=" + world.aliceSegments[0] + ". " + world.aliceSegments[1] + "." + world.aliceSegments[2])
        },
        Case("session cookie percent-encoded", .unauthorized, tvf) { world in
            .cookie("__Host-gatehouse=" + world.aliceToken.replacingOccurrences(of: ".", with: "%2E"))
        },
        Case("session cookie with a NUL byte", .unauthorized, tvf) { world in
            var headers: HTTPFields = [.userAgent: Harness.userAgent]
            headers.append(HTTPField(name: .cookie, lenientValue: Array("__Host-gatehouse=".utf8) + [0x00] + Array(world.aliceToken.utf8)))
            return Probe(headers: headers, secret: world.aliceToken)
        },
        Case("session cookie of 8 KiB", .unauthorized, tvf) { _ in .cookie("__Host-gatehouse=" + String(repeating: "a", count: 8 * 1_024)) },
        Case("cookie header of 1 MiB without the session cookie", .unauthorized, "Unauthorized") { _ in
            .cookie(String(repeating: "x=1; ", count: 1 << 20 / 5))
        },
        Case("cookie pairs without names or values", .unauthorized, "Unauthorized") { _ in .cookie("=; ;;==; __Host-gatehouse; =__Host-gatehouse")
        },
        Case("a similar cookie name", .unauthorized, "Unauthorized") { world in .cookie("__Host-gatehouse_=" + world.aliceToken) },
        Case("the first of two session cookies is forged", .unauthorized, tvf) { world in
            .cookie("__Host-gatehouse=\(world.aliceToken)x; __Host-gatehouse=\(world.kelvinToken)")
        },
        Case("cookie-authenticated logout from another site", .forbidden, "CSRFRejected") { world in
            Probe(
                method: .post,
                path: "/v1/logout",
                headers: [
                    .cookie: "__Host-gatehouse=\(world.aliceToken)", .origin: "https://evil.example", .userAgent: Harness.userAgent,
                ],
                secret: world.aliceToken
            )
        },
    ]

    @Test("Authorization headers", arguments: authorizations)
    func authorization(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("Cookies", arguments: cookies)
    func cookie(_ hostile: AdversarialCase) async throws { try await hostile.run() }

    @Test("A cookie whose session was swept is cleared, so it cannot block the next login")
    func sweptSessionCookie() async throws {
        let (harness, ring) = try AdversarialWorld.makeHarness()
        try await harness.test { client in
            let world = try await AdversarialWorld.build(harness, ring: ring, client: client)
            let store = harness.store.inner
            _ = try await store.revokeSessions(
                .session(id: world.aliceSessionID, accountID: world.alice.accountID),
                reason: .logout,
                at: harness.clock.now()
            )
            _ = try await store.deleteSessions(endedBefore: harness.clock.now().addingTimeInterval(1))
            #expect(try await store.session(id: world.aliceSessionID) == nil)

            // A browser logging in again still carries the old cookie; the middleware sees it first.
            let stale = try await client.send(
                .post,
                "/v1/login",
                .cookie(world.aliceToken),
                json: #"{"username":"alice","password":"\#(Harness.password)"}"#,
                headers: [.csrf: "1"]
            )
            #expect(stale.status == .notFound)
            #expect(stale.errorCode == "SessionNotFound")
            #expect(stale.cookieToken == "", "the dead cookie is cleared")
            // Once the browser dropped it, the login goes through.
            let fresh = try await client.logIn("alice")
            #expect(fresh.status == .ok)
        }
    }
}
