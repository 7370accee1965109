import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseUI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The devices page")
struct SessionsPagesTests {
    @Test("it lists each session by its device, marks this one, and ends another from its form")
    func endAnother() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let laptop = Browser(client, userAgent: UserAgent.chromeLinux)
            try await laptop.signUp()
            let phone = Browser(client, userAgent: UserAgent.safariIPhone)
            try await phone.logIn()
            harness.clock.advance(by: .seconds(3 * 3_600))

            let page = try await laptop.get("/ui/sessions")
            #expect(page.status == .ok)
            let devices = page.devices
            #expect(devices.map(\.name) == ["Chrome on Linux", "Safari on iPhone"])
            #expect(devices.map(\.current) == [true, false], "this device first, marked")
            #expect(devices.first?.sessionID == nil, "this device has no sign-out button")
            let phoneSession = try #require(try await harness.sessions().first { $0.connectionInfo.userAgent == UserAgent.safariIPhone })
            #expect(devices.last?.sessionID == phoneSession.id)
            #expect(page.body.contains("<dt>Last active</dt><dd>just now</dd>"))
            #expect(page.body.contains("<dt>Last active</dt><dd>3 hours ago</dd>"))
            #expect(page.body.contains("<dt>IP address</dt><dd>unknown</dd>"), "the in-process client has no address")
            #expect(page.body.contains(#"<form method="post" action="/ui/sessions/end-others" id="end-others-form">"#))

            let ended = try await laptop.submit("/ui/sessions/end", [("session_id", phoneSession.id)], from: page)
            #expect(ended.status == .seeOther)
            #expect(ended.location == "/ui/sessions?notice=device_signed_out")
            #expect(!ended.clearsSession)

            let after = try await laptop.get("/ui/sessions?notice=device_signed_out")
            #expect(after.notice == "The device is signed out.")
            #expect(after.devices.map(\.name) == ["Chrome on Linux"])
            #expect(!after.body.contains("end-others-form"), "no one else to sign out")

            let signedOut = try await phone.get("/ui/account")
            #expect(signedOut.status == .seeOther)
            #expect(signedOut.location == "/ui/login?return_to=/ui/account")
            #expect(signedOut.clearsSession)
            #expect(try await laptop.get("/ui/account").status == .ok)
        }
        #expect(try await harness.sessions().map(\.connectionInfo.userAgent) == [UserAgent.chromeLinux])
    }

    @Test("posting this device's own session signs this browser out")
    func endOwn() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let laptop = Browser(client)
            try await laptop.signUp()
            let own = try #require(try await harness.sessions().first)
            let page = try await laptop.get("/ui/sessions")
            let ended = try await laptop.submit("/ui/sessions/end", [("session_id", own.id)], from: page)
            #expect(ended.status == .seeOther)
            #expect(ended.location == "/ui/login?notice=signed_out")
            #expect(ended.clearsSession)
        }
        #expect(try await harness.sessions().isEmpty)
    }

    @Test("another account's session cannot be ended from this one")
    func otherAccount() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let alice = Browser(client)
            try await alice.signUp("alice")
            let bob = Browser(client, userAgent: UserAgent.firefoxWindows)
            try await bob.signUp("bob")
            let bobSession = try #require(try await harness.sessions(of: "bob").first)
            let page = try await alice.get("/ui/sessions")
            #expect(page.devices.count == 1, "only alice's own devices are listed")
            let attempt = try await alice.submit("/ui/sessions/end", [("session_id", bobSession.id)], from: page)
            #expect(attempt.status == .seeOther)
            #expect(try await bob.get("/ui/account").status == .ok, "bob is still signed in")
            let empty = try await alice.submit("/ui/sessions/end", [("session_id", "")], from: page)
            #expect(empty.location == "/ui/sessions")
        }
        #expect(try await harness.sessions(of: "bob").count == 1)
    }

    @Test("\"Sign out everywhere else\" ends every other session and keeps this one")
    func endOthers() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let laptop = Browser(client, userAgent: UserAgent.chromeLinux)
            try await laptop.signUp()
            let others = [Browser(client, userAgent: UserAgent.safariIPhone), Browser(client, userAgent: UserAgent.firefoxWindows)]
            for other in others { try await other.logIn() }

            let page = try await laptop.get("/ui/sessions")
            #expect(Set(page.devices.map(\.name)) == ["Chrome on Linux", "Safari on iPhone", "Firefox on Windows"])
            let ended = try await laptop.submit("/ui/sessions/end-others", from: page)
            #expect(ended.status == .seeOther)
            #expect(ended.location == "/ui/sessions?notice=others_signed_out")
            #expect(!ended.clearsSession)

            let after = try await laptop.get("/ui/sessions?notice=others_signed_out")
            #expect(after.notice == "Every other device is signed out.")
            #expect(after.devices.map(\.name) == ["Chrome on Linux"])
            for other in others {
                let page = try await other.get("/ui/sessions")
                #expect(page.location == "/ui/login?return_to=/ui/sessions")
                #expect(page.clearsSession)
            }
        }
        #expect(try await harness.sessions().count == 1)
    }
}

@Suite("The account page")
struct AccountPageTests {
    static let newPassword = "a brand new passphrase"

    @Test("changing the password: a wrong current one is a field error; success ends the other sessions and keeps this one")
    func changePassword() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let laptop = Browser(client)
            try await laptop.signUp()
            let phone = Browser(client, userAgent: UserAgent.safariIPhone)
            try await phone.logIn()
            let page = try await laptop.get("/ui/account")

            let wrong = try await laptop.submit(
                "/ui/account/password",
                [("current_password", "not my password"), ("new_password", Self.newPassword)],
                from: page
            )
            #expect(wrong.status == .unauthorized)
            #expect(wrong.heading == "Your account")
            #expect(wrong.fieldError("current_password") == "That is not your current password.")
            #expect(wrong.fieldErrors.count == 1)
            #expect(!wrong.body.contains("not my password") && !wrong.body.contains(Self.newPassword))

            let weak = try await laptop.submit(
                "/ui/account/password",
                [("current_password", PageHarness.password), ("new_password", "short")],
                from: wrong
            )
            #expect(weak.status == .badRequest)
            #expect(weak.fieldError("new_password") == "Use at least 8 characters.")
            #expect(try await phone.get("/ui/account").status == .ok, "nothing changed yet")

            let before = try #require(await laptop.sessionToken)
            let changed = try await laptop.submit(
                "/ui/account/password",
                [("current_password", PageHarness.password), ("new_password", Self.newPassword)],
                from: weak
            )
            #expect(changed.status == .seeOther)
            #expect(changed.location == "/ui/account?notice=password_changed")
            #expect(changed.setsSession, "this browser gets a renewed cookie")
            let after = try #require(await laptop.sessionToken)
            #expect(after != before)

            let account = try await laptop.get("/ui/account?notice=password_changed")
            #expect(account.status == .ok, "this session goes on")
            #expect(account.notice == "Your password is changed. Your other devices were signed out.")

            let signedOut = try await phone.get("/ui/account")
            #expect(signedOut.status == .seeOther)
            #expect(signedOut.clearsSession)
        }
        #expect(try await harness.sessions().count == 1)
        let client = ConnectionInfo(ip: "", userAgent: "")
        await #expect(throws: AccountError.loginFailed) {
            try await harness.accounts.logIn(username: "alice", password: PageHarness.password, client: client)
        }
        _ = try await harness.accounts.logIn(username: "alice", password: Self.newPassword, client: client)
    }

    @Test("changing the e-mail address: the password is checked, a link goes to the new address and a notice to the old one")
    func changeEmail() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            let page = try await browser.get("/ui/account")

            let wrong = try await browser.submit("/ui/account/email", [("email", "alice.new@example.com"), ("password", "nope")], from: page)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.fieldError("email-password") == "That is not your password.")
            #expect(wrong.value(ofInput: "email") == "alice.new@example.com", "the address typed is kept")
            #expect(try await harness.outbox().isEmpty)

            let sent = try await browser.submit(
                "/ui/account/email",
                [("email", "Alice.New@example.com"), ("password", PageHarness.password)],
                from: wrong
            )
            #expect(sent.status == .seeOther)
            #expect(sent.location == "/ui/account?notice=email_change_sent")
            let messages = try await harness.outbox()
            let recipients = Dictionary(messages.map { ($0.kind, [$0.recipient]) }, uniquingKeysWith: +)
            #expect(
                recipients == [
                    AccountMessage.confirmEmailChange: ["alice.new@example.com"], AccountMessage.emailChangeRequested: ["alice@example.com"],
                ]
            )
            let notice = try #require(messages.first { $0.kind == AccountMessage.emailChangeRequested })
            #expect(try PageHarness.payload(of: notice)["link"] == nil, "the old address gets no link")
            #expect(try await harness.account()?.email == "alice@example.com", "nothing changes before the link is opened")
            let pending = try await browser.get("/ui/account?notice=email_change_sent")
            #expect(pending.notice == "We sent a link to the new address. Your e-mail changes once you open it.")

            let link = try await harness.linkToken(kind: AccountMessage.confirmEmailChange)
            #expect(link.path.hasPrefix("/ui/verify?token="))
            let verify = try await browser.get(link.path)
            #expect(verify.values(named: "token") == [link.token])
            let confirmed = try await browser.submit("/ui/verify", [("token", link.token)], from: verify)
            #expect(confirmed.status == .seeOther)
            #expect(confirmed.location == "/ui/account?notice=email_confirmed")

            let account = try await browser.get("/ui/account?notice=email_confirmed")
            #expect(account.notice == "Your e-mail address is confirmed.")
            #expect(account.body.contains(#"alice.new@example.com <span class="badge ok">Confirmed</span>"#))
        }
        let account = try #require(try await harness.account())
        #expect(account.email == "alice.new@example.com")
        #expect(account.emailVerified)
    }

    @Test("a confirmation link: opening it spends nothing, the button does, once")
    func verification() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            let page = try await browser.get("/ui/account")
            #expect(page.body.contains(#"<span class="badge">Not confirmed</span>"#))
            let sent = try await browser.submit("/ui/account/verification", from: page)
            #expect(sent.status == .seeOther)
            #expect(sent.location == "/ui/account?notice=verification_sent")
            let message = try #require(try await harness.outbox(kind: AccountMessage.verifyEmail).first)
            #expect(message.recipient == "alice@example.com")
            let link = try PageHarness.link(in: message)

            // A mail scanner, or the person, opens the link as often as it likes.
            let reader = Browser(client, userAgent: UserAgent.firefoxWindows)
            var opened: Page?
            for _ in 0..<3 {
                let page = try await reader.get(link.path)
                #expect(page.status == .ok)
                #expect(page.heading == "Confirm your e-mail address")
                #expect(page.values(named: "token") == [link.token])
                opened = page
            }
            #expect(try await harness.account()?.emailVerified == false, "a GET spends nothing")

            let confirmed = try await reader.submit("/ui/verify", [("token", link.token)], from: try #require(opened))
            #expect(confirmed.status == .seeOther)
            #expect(confirmed.location == "/ui/login?notice=email_confirmed", "a signed-out browser goes to log in")
            #expect(try await harness.account()?.emailVerified == true)

            let again = try await reader.submit("/ui/verify", [("token", link.token)], from: try #require(opened))
            #expect(again.status == .badRequest)
            #expect(again.heading == "This link does not work")
            #expect(again.message == "This link has expired or was already used.")
            #expect(again.body.contains(#"<a href="/ui/account">Ask for a new link on your account page</a>"#))

            let account = try await browser.get("/ui/account")
            #expect(account.body.contains(#"<span class="badge ok">Confirmed</span>"#))
            #expect(!account.body.contains("verification-form"), "no new link to ask for")
        }
    }

    @Test("deleting the account: the right password clears the cookie and removes the account and its sessions")
    func deleteAccount() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let laptop = Browser(client)
            try await laptop.signUp()
            let phone = Browser(client, userAgent: UserAgent.safariIPhone)
            try await phone.logIn()
            let page = try await laptop.get("/ui/account")

            let wrong = try await laptop.submit("/ui/account/delete", [("password", "nope")], from: page)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.fieldError("delete_password") == "That is not your password.")
            #expect(!wrong.clearsSession)
            #expect(try await harness.account() != nil)

            let deleted = try await laptop.submit("/ui/account/delete", [("password", PageHarness.password)], from: wrong)
            #expect(deleted.status == .seeOther)
            #expect(deleted.location == "/ui/signup?notice=account_deleted")
            #expect(deleted.clearsSession)
            #expect(await laptop.sessionToken == nil)
            #expect(try await laptop.get("/ui/signup?notice=account_deleted").notice == "Your account is deleted.")

            let phonePage = try await phone.get("/ui/account")
            #expect(phonePage.status == .seeOther)
            #expect(phonePage.clearsSession)
        }
        #expect(try await harness.account() == nil)
    }
}

@Suite("Recovering a password")
struct RecoveryPagesTests {
    static let newPassword = "a brand new passphrase"

    @Test("asking for a link shows the same page whether or not an account has the address")
    func sameAnswer() async throws {
        let harness = PageHarness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let browser = Browser(client)
            let known = try await browser.submit("/ui/recovery", [("email", "alice@example.com")], via: "/ui/recovery")
            let unknown = try await browser.submit("/ui/recovery", [("email", "nobody@example.com")], via: "/ui/recovery")
            for page in [known, unknown] {
                #expect(page.status == .ok)
                #expect(page.heading == "Check your inbox")
                #expect(page.headers[values: .setCookie] == [])
            }
            #expect(known.body.contains("<strong>alice@example.com</strong>"))
            #expect(
                known.body.replacingOccurrences(of: "alice@example.com", with: "")
                    == unknown.body.replacingOccurrences(of: "nobody@example.com", with: "")
            )
        }
        let messages = try await harness.outbox()
        #expect(messages.map(\.kind) == [AccountMessage.resetPassword])
        #expect(messages.map(\.recipient) == ["alice@example.com"])
    }

    @Test("an address no account could have gets the same answer, escaped, and no message")
    func invalidAddress() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let page = try await Browser(client).submit("/ui/recovery", [("email", "<b>not</b> an address")], via: "/ui/recovery")
            #expect(page.status == .ok)
            #expect(page.heading == "Check your inbox")
            #expect(page.body.contains("<strong>&lt;b&gt;not&lt;/b&gt; an address</strong>"))
        }
        #expect(try await harness.outbox().isEmpty)
    }

    @Test("the reset link sets the password once, signs every device out, and then has expired")
    func reset() async throws {
        let harness = PageHarness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.logIn()
            _ = try await Browser(client).submit("/ui/recovery", [("email", "alice@example.com")], via: "/ui/recovery")
            let link = try await harness.linkToken(kind: AccountMessage.resetPassword)
            #expect(link.path.hasPrefix("/ui/reset?token="))

            let page = try await browser.get(link.path)
            #expect(page.status == .ok)
            #expect(page.values(named: "token") == [link.token])
            let weak = try await browser.submit("/ui/reset", [("token", link.token), ("new_password", "short")], from: page)
            #expect(weak.status == .badRequest)
            #expect(weak.fieldError("new_password") == "Use at least 8 characters.")
            #expect(weak.values(named: "token") == [link.token], "the form keeps the link's token")
            #expect(!weak.clearsSession)

            let done = try await browser.submit("/ui/reset", [("token", link.token), ("new_password", Self.newPassword)], from: weak)
            #expect(done.status == .seeOther)
            #expect(done.location == "/ui/login?notice=password_reset")
            #expect(done.clearsSession, "this browser, signed in to the account, is signed out too")
            let login = try await browser.get("/ui/login?notice=password_reset")
            #expect(login.notice == "Your password is changed and every device was signed out. Log in with the new password.")

            let again = try await browser.submit("/ui/reset", [("token", link.token), ("new_password", "another new passphrase")], via: link.path)
            #expect(again.status == .badRequest)
            #expect(again.heading == "This link does not work")
            #expect(again.message == "This link has expired or was already used.")
            #expect(again.body.contains(#"<a href="/ui/recovery">Ask for a new link</a>"#))
        }
        #expect(try await harness.sessions().isEmpty)
        let client = ConnectionInfo(ip: "", userAgent: "")
        _ = try await harness.accounts.logIn(username: "alice", password: Self.newPassword, client: client)
        await #expect(throws: AccountError.loginFailed) {
            try await harness.accounts.logIn(username: "alice", password: "another new passphrase", client: client)
        }
    }

    @Test("a made-up token has expired")
    func madeUpToken() async throws {
        try await PageHarness().test { client in
            let page = try await Browser(client).submit(
                "/ui/reset",
                [("token", "made-up-token-0123456789abcdef"), ("new_password", Self.newPassword)],
                via: "/ui/reset?token=made-up-token-0123456789abcdef"
            )
            #expect(page.status == .badRequest)
            #expect(page.heading == "This link does not work")
            #expect(page.message == "This link has expired or was already used.")
        }
    }

    @Test("a link without its token says it is not complete, with no form", arguments: ["/ui/reset", "/ui/verify", "/ui/reset?token="])
    func incompleteLink(path: String) async throws {
        try await PageHarness().test { client in
            let page = try await Browser(client).get(path)
            #expect(page.status == .ok)
            #expect(page.body.contains("This link is not complete."))
            #expect(page.csrfToken == nil, "no form without a token")
        }
    }
}

@Suite("Configuring the pages")
struct AccountPagesConfigurationTests {
    @Test("a templates directory replaces a built-in page")
    func templatesDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-ui-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("ui", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let template = """
            <p class="custom">Welcome back to {{brand}}.</p>
            <form method="post" action="/ui/login"><input type="hidden" name="csrf_token" value="{{csrf_token}}">
            <label for="who">Who</label><input id="who" name="username" type="text"><button type="submit">Go</button></form>
            """
        try template.write(to: folder.appendingPathComponent("login.mustache"), atomically: true, encoding: .utf8)
        let pages = AccountPagesConfiguration(brand: "Acme", templatesDirectory: directory.path)
        try await PageHarness(pages: pages).test { client in
            let browser = Browser(client)
            let login = try await browser.get("/ui/login")
            #expect(login.status == .ok)
            #expect(login.body.contains(#"<p class="custom">Welcome back to Acme.</p>"#))
            #expect(login.heading == "Log in", "the layout is still the built-in one")
            #expect(login.csrfToken != nil)
            #expect(!login.body.contains("login-form"))
            let signup = try await browser.get("/ui/signup")
            #expect(signup.body.contains("signup-form"), "other pages are the built-in ones")
        }
    }

    @Test("a template that does not parse is refused when the pages are added")
    func brokenTemplate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-ui-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("ui", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "{{#open}} never closed".write(to: folder.appendingPathComponent("login.mustache"), atomically: true, encoding: .utf8)
        let harness = PageHarness(pages: AccountPagesConfiguration(templatesDirectory: directory.path))
        #expect(throws: AccountPagesConfiguration.InvalidConfiguration.self) { try harness.router() }
    }

    @Test(
        "a bad colour, logo, return origin or brand is refused",
        arguments: [
            AccountPagesConfiguration(accentColor: "red"),
            AccountPagesConfiguration(accentColor: "#12345"),
            AccountPagesConfiguration(accentColor: "#ggg"),
            AccountPagesConfiguration(accentColor: "#fff; background: url(x)"),
            AccountPagesConfiguration(logoURL: "javascript:x"),
            AccountPagesConfiguration(logoURL: "//evil.example/logo.png"),
            AccountPagesConfiguration(logoURL: "http://example.com/logo.png"),
            AccountPagesConfiguration(logoURL: #"/logo.png" onerror="x"#),
            AccountPagesConfiguration(returnOrigins: ["evil"]),
            AccountPagesConfiguration(returnOrigins: ["javascript:alert(1)"]),
            AccountPagesConfiguration(returnOrigins: ["https://app.example.com", "ftp://files.example.com"]),
            AccountPagesConfiguration(brand: ""),
            AccountPagesConfiguration(brand: String(repeating: "x", count: 65)),
        ]
    )
    func invalid(_ configuration: AccountPagesConfiguration) {
        #expect(throws: AccountPagesConfiguration.InvalidConfiguration.self) { try configuration.validate() }
        #expect(throws: AccountPagesConfiguration.InvalidConfiguration.self) { try PageHarness(pages: configuration).router() }
    }

    @Test("the pages need the session cookie")
    func cookieOff() {
        var http = GatehouseHTTPConfiguration()
        http.cookie.enabled = false
        #expect(throws: AccountPagesConfiguration.InvalidConfiguration.self) { try PageHarness(http: http).router() }
    }

    @Test("a logo on another origin is shown and allowed by the policy, and only that origin")
    func logo() async throws {
        let pages = AccountPagesConfiguration(logoURL: "https://cdn.example.com/brand/logo.png")
        try await PageHarness(pages: pages).test { client in
            let page = try await Browser(client).get("/ui/login")
            #expect(page.body.contains(#"<img src="https://cdn.example.com/brand/logo.png" alt="" height="28">"#))
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("img-src 'self' https://cdn.example.com;"))
            #expect(page.securityHeaderProblems == [])
        }
        #expect(throws: Never.self) { try AccountPagesConfiguration(logoURL: "/static/logo.svg").validate() }
    }
}

@Suite("The pages on a real socket")
struct LivePagesTests {
    @Test("sign up, see the account and the device, log out, over 127.0.0.1")
    func journey() async throws {
        let harness = PageHarness()
        try await harness.live { client in
            #expect(client.port != nil && client.port != 0)
            let browser = Browser(client)
            let form = try await browser.get("/ui/signup")
            #expect(form.status == .ok)
            #expect(form.setCookie(csrfCookieName) != nil)
            let signUp = try await browser.submit(
                "/ui/signup",
                [("username", "alice"), ("email", "alice@example.com"), ("password", PageHarness.password)],
                from: form
            )
            #expect(signUp.status == .seeOther)
            #expect(signUp.location == "/ui/account?notice=welcome")
            let setting = try #require(signUp.setCookie(sessionCookieName))
            #expect(setting.contains("; HttpOnly; Secure; SameSite=Lax"), "the __Host- cookie's attributes reach the client")

            let account = try await browser.get("/ui/account")
            #expect(account.status == .ok)
            #expect(account.body.contains("<dt>Username</dt><dd>alice</dd>"))
            #expect(account.securityHeaderProblems == [])

            let sessions = try await browser.get("/ui/sessions")
            #expect(sessions.devices.map(\.name) == ["Chrome on Linux"])
            #expect(sessions.devices.map(\.current) == [true])
            #expect(sessions.body.contains("<dt>IP address</dt><dd>127.0.0.1</dd>"), "the address is the socket's peer")

            let logout = try await browser.submit("/ui/logout", from: sessions)
            #expect(logout.status == .seeOther)
            #expect(logout.location == "/ui/login?notice=signed_out")
            #expect(logout.clearsSession)
            let after = try await browser.get("/ui/account")
            #expect(after.location == "/ui/login?return_to=/ui/account")
        }
        #expect(try await harness.sessions().isEmpty)
    }
}
