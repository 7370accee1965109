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

    @Test("setting up on the account page: the password, the key, a first code, the recovery codes once; then off again")
    func setUpAndTurnOff() async throws {
        let harness = Self.harness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.logIn()
            let account = try await browser.get("/ui/account")
            #expect(account.body.contains("Set up two-step verification"))

            let wrongPassword = try await browser.submit("/ui/account/totp", [("totp_password", "not it")], from: account)
            #expect(wrongPassword.status == .unauthorized)
            #expect(wrongPassword.fieldError("totp_password") != nil)

            let setup = try await browser.submit("/ui/account/totp", [("totp_password", PageHarness.password)], from: account)
            #expect(setup.status == .ok)
            let secret = try #require(HTML.text(in: setup.body, after: #"<code class="secret">"#, until: "</code>"))
            #expect(setup.body.contains("otpauth://totp/Gatehouse:alice?secret=\(secret)&amp;issuer=Gatehouse"))
            let totp = TOTP(secret: try #require(Base32.decode(secret)))

            let wrongCode = try await browser.submit("/ui/account/totp/confirm", [("code", "000000")], from: setup)
            #expect(wrongCode.status == .badRequest)
            #expect(wrongCode.fieldError("code") != nil)
            #expect(wrongCode.body.contains(#"<code class="secret">\#(secret)</code>"#), "the same key is shown again")

            let code = totp.code(step: TOTP.step(at: harness.clock.now()))
            let codes = try await browser.submit("/ui/account/totp/confirm", [("code", code)], from: wrongCode)
            #expect(codes.status == .ok)
            #expect(codes.body.matches(of: /<li><code>[a-z2-7]{5}-[a-z2-7]{5}<\/code><\/li>/).count == 10)
            let enabled = try await browser.get("/ui/account")
            #expect(enabled.body.contains("Turn off two-step verification"))

            harness.clock.advance(by: .seconds(30))
            let next = totp.code(step: TOTP.step(at: harness.clock.now()))
            let off = try await browser.submit("/ui/account/totp/delete", [("totp_password", PageHarness.password), ("code", next)], from: enabled)
            #expect(off.status == .seeOther)
            #expect(off.location == "/ui/account?notice=totp_disabled")
            #expect(try await harness.accounts.hasSecondFactor(accountID: try #require(try await harness.account()).accountID) == false)
        }
    }
}
