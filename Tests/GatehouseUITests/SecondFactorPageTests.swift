import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseTesting
import GatehouseUI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The login page for an account with a second factor: the password leads to a code form, not to a
/// session, and the code or a recovery code finishes the login.
@Suite("Account pages: logging in with a second factor")
struct SecondFactorPageTests {
    /// Alice with TOTP on; her authenticator and recovery codes.
    static func enrolled(_ harness: PageHarness) async throws -> (TOTP, [String]) {
        try await harness.createAccount("alice")
        let login = try await harness.accounts.logIn(
            username: "alice",
            password: PageHarness.password,
            client: ConnectionInfo(ip: "127.0.0.1", userAgent: "setup")
        )
        let enrolment = try await harness.accounts.beginTOTPEnrolment(session: login.session)
        let totp = TOTP(secret: try #require(Base32.decode(enrolment.secret)))
        let codes = try await harness.accounts.confirmTOTP(
            session: login.session,
            code: totp.code(step: TOTP.step(at: harness.clock.now())),
            client: ConnectionInfo(ip: "127.0.0.1", userAgent: "setup")
        )
        harness.clock.advance(by: .seconds(30))
        return (totp, codes)
    }

    static func harness() -> PageHarness {
        PageHarness(accounts: { $0.totpKeys = [try! SealingKey(id: "k1", bytes: Array(repeating: 5, count: 32))] })
    }

    @Test("the password shows the code form and sets no session; the code logs in")
    func code() async throws {
        let harness = Self.harness()
        let (totp, _) = try await Self.enrolled(harness)
        try await harness.test { client in
            let browser = Browser(client)
            let form = try await browser.submit(
                "/ui/login",
                [("username", "alice"), ("password", PageHarness.password), ("return_to", "/ui/sessions")],
                via: "/ui/login"
            )
            #expect(form.status == .ok)
            #expect(!form.setsSession)
            #expect(form.body.contains(#"action="/ui/login/code""#))
            #expect(form.value(ofInput: "code") == "")
            #expect(try await browser.get("/ui/account").status == .seeOther, "not signed in yet")

            let wrong = try await browser.submit("/ui/login/code", [("challenge", Self.challenge(in: form)), ("code", "000000")], from: form)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.fieldError("code") != nil)
            #expect(!wrong.setsSession)

            let code = totp.code(step: TOTP.step(at: harness.clock.now()))
            let done = try await browser.submit(
                "/ui/login/code",
                [("challenge", Self.challenge(in: wrong)), ("code", code), ("return_to", "/ui/sessions")],
                from: wrong
            )
            #expect(done.status == .seeOther)
            #expect(done.location == "/ui/sessions")
            #expect(done.setsSession)
            #expect(try await browser.get("/ui/account").status == .ok)
        }
    }

    @Test("a recovery code in the same field logs in once; a made-up challenge goes back to the login form")
    func recoveryCode() async throws {
        let harness = Self.harness()
        let (_, codes) = try await Self.enrolled(harness)
        try await harness.test { client in
            let browser = Browser(client)
            let form = try await browser.submit("/ui/login", [("username", "alice"), ("password", PageHarness.password)], via: "/ui/login")
            let done = try await browser.submit("/ui/login/code", [("challenge", Self.challenge(in: form)), ("code", codes[2])], from: form)
            #expect(done.status == .seeOther)
            #expect(done.setsSession)

            let other = Browser(client)
            let login = try await other.get("/ui/login")
            let forged = try await other.submit("/ui/login/code", [("challenge", "nobody.forged"), ("code", "123456")], from: login)
            #expect(forged.status == .unauthorized)
            #expect(forged.body.contains(#"action="/ui/login""#))
            #expect(!forged.setsSession)
        }
    }

    /// The hidden challenge of a code form.
    static func challenge(in page: Page) throws -> String {
        try #require(page.values(named: "challenge").first)
    }
}
