import Foundation
import Gatehouse
import GatehouseHummingbird
import GatehouseUI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension Page {
    /// The value of the response header `name`.
    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    /// The problems with the security headers every answer of the pages must carry.
    var securityHeaderProblems: [String] {
        var problems: [String] = []
        let policy = header("Content-Security-Policy") ?? ""
        for directive in ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]
        where !policy.contains(directive) {
            problems.append("the Content-Security-Policy has no \(directive): \(policy)")
        }
        if policy.contains("unsafe-inline") || policy.contains("unsafe-eval") || !policy.contains("script-src 'self';")
            || !policy.contains("connect-src 'self';")
        {
            problems.append("the Content-Security-Policy lets scripts other than this server's run, or call elsewhere: \(policy)")
        }
        let expected = [
            "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        ]
        for (name, value) in expected where header(name) != value {
            problems.append("\(name) is \(header(name) ?? "missing"), not \(value)")
        }
        return problems
    }
}

/// A GET page and whether it needs a signed-in browser.
struct PageCase: Sendable, CustomTestStringConvertible {
    let path: String
    let signedIn: Bool
    let heading: String

    var testDescription: String { path }

    static let all = [
        PageCase(path: "/ui/signup", signedIn: false, heading: "Create your account"),
        PageCase(path: "/ui/login", signedIn: false, heading: "Log in"),
        PageCase(path: "/ui/login?return_to=%2Fui%2Fsessions", signedIn: false, heading: "Log in"),
        PageCase(path: "/ui/recovery", signedIn: false, heading: "Forgot your password?"),
        PageCase(path: "/ui/reset?token=abcdefghijklmnopqrstuvwxyz", signedIn: false, heading: "Choose a new password"),
        PageCase(path: "/ui/reset", signedIn: false, heading: "Choose a new password"),
        PageCase(path: "/ui/verify?token=abcdefghijklmnopqrstuvwxyz", signedIn: false, heading: "Confirm your e-mail address"),
        PageCase(path: "/ui/verify", signedIn: false, heading: "Confirm your e-mail address"),
        PageCase(path: "/ui/account", signedIn: true, heading: "Your account"),
        PageCase(path: "/ui/sessions", signedIn: true, heading: "Your devices"),
        PageCase(path: "/ui/logout", signedIn: true, heading: "Log out"),
    ]
}

@Suite("Every page renders accessible, locked-down HTML")
struct PageRenderingTests {
    @Test("a GET page is HTML with a heading, a label for every field and the security headers", arguments: PageCase.all)
    func renders(_ page: PageCase) async throws {
        try await PageHarness().test { client in
            let browser = Browser(client)
            if page.signedIn { try await browser.signUp() }
            let response = try await browser.get(page.path)
            #expect(response.status == .ok)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
            #expect(response.body.hasPrefix("<!doctype html>"))
            #expect(response.heading == page.heading)
            #expect(response.securityHeaderProblems == [])
            let scripts = response.body.components(separatedBy: "<script").dropFirst()
            #expect(scripts.allSatisfy { $0.hasPrefix(#" src="/ui/assets/gatehouse.js" defer></script>"#) }, "no script but the pages' own file")
            #expect(!response.body.contains("style="), "no inline style the policy would block")

            let visible = response.inputs.filter { $0["type"] != "hidden" }
            for input in visible {
                let id = try #require(input["id"], "every visible input has an id: \(input)")
                #expect(response.labels.contains { $0["for"] == id }, "a <label for=\"\(id)\">")
            }
            let ids = response.inputs.compactMap { $0["id"] }
            #expect(Set(ids).count == ids.count, "ids are unique")
            for form in response.body.matches(of: /<form\b[^>]*>/) {
                #expect(form.output.contains(#"method="post""#), "every form posts")
            }
            let forms = response.body.components(separatedBy: "<form").count - 1
            #expect(response.values(named: "csrf_token").count == forms, "every form carries the CSRF token")
        }
    }

    @Test("the first page sets the form secret cookie once: HttpOnly, Secure, SameSite=Strict, only for /ui")
    func csrfCookie() async throws {
        try await PageHarness().test { client in
            let browser = Browser(client)
            let first = try await browser.get("/ui/login")
            let setting = try #require(first.setCookie(csrfCookieName))
            let secret = try #require(await browser.cookie(csrfCookieName))
            #expect(setting == "\(csrfCookieName)=\(secret); Path=/; HttpOnly; Secure; SameSite=Strict")
            #expect(secret.utf8.count == 43)
            #expect(!first.body.contains(secret), "the secret never appears in the page")

            let second = try await browser.get("/ui/signup")
            #expect(second.setCookie(csrfCookieName) == nil, "a browser that has the cookie keeps it")
            #expect(second.csrfToken == first.csrfToken, "signed out, the token only depends on the secret")

            let other = try await Browser(client).get("/ui/login")
            #expect(other.csrfToken != first.csrfToken, "another browser, another token")
        }
    }

    @Test("with the cookie not Secure, the form secret cookie is not Secure either")
    func insecureCookie() async throws {
        var http = GatehouseHTTPConfiguration()
        http.cookie = .init(name: "gatehouse", secure: false)
        try await PageHarness(http: http).test { client in
            let browser = Browser(client)
            let page = try await browser.get("/ui/login")
            #expect(page.setCookie("gatehouse_ui_csrf")?.contains("Secure") == false)
            let signUp = try await browser.submit(
                "/ui/signup",
                [("username", "alice"), ("email", "alice@example.com"), ("password", PageHarness.password)],
                via: "/ui/signup"
            )
            let session = try #require(signUp.setCookie("gatehouse"))
            #expect(!session.contains("Secure"))
            #expect(try await browser.get("/ui/account").status == .ok, "the renamed cookie signs the browser in")
        }
    }

    @Test("the login and sign-up pages offer a 'Continue with …' link per identity provider, coming back where the login would")
    func providerButtons() async throws {
        let providers: [AccountPagesConfiguration.IdentityProviderButton] = [
            .init(name: "google", displayName: "Google"), .init(name: "corp-sso", displayName: "Corp"),
        ]
        try await PageHarness(pages: AccountPagesConfiguration(identityProviders: providers)).test { client in
            let browser = Browser(client)
            let login = try await browser.get("/ui/login")
            #expect(login.body.contains(#"<a class="button" href="/v1/oidc/google/start?return_to=%2Fui%2Faccount">Continue with Google</a>"#))
            #expect(login.body.contains(#"<a class="button" href="/v1/oidc/corp-sso/start?return_to=%2Fui%2Faccount">Continue with Corp</a>"#))
            let returning = try await browser.get("/ui/login?return_to=/ui/sessions")
            #expect(returning.body.contains(#"href="/v1/oidc/google/start?return_to=%2Fui%2Fsessions""#))
            let signUp = try await browser.get("/ui/signup")
            #expect(signUp.body.contains("Continue with Google") && signUp.body.contains("Continue with Corp"))
        }
        try await PageHarness(pages: AccountPagesConfiguration()).test { client in
            let login = try await Browser(client).get("/ui/login")
            #expect(!login.body.contains("Continue with") && !login.body.contains("providers"))
        }
    }

    @Test("the stylesheet carries the accent colour, and /ui goes to the account page")
    func stylesheetAndIndex() async throws {
        try await PageHarness(pages: AccountPagesConfiguration(brand: "Acme", accentColor: "#ff6600")).test { client in
            let browser = Browser(client)
            let css = try await browser.get("/ui/assets/gatehouse.css")
            #expect(css.status == .ok)
            #expect(css.header("Content-Type") == "text/css; charset=utf-8")
            #expect(css.body.contains("--accent: #ff6600;"))
            #expect(!css.body.contains("{{"))

            let index = try await browser.get("/ui")
            #expect(index.status == .seeOther)
            #expect(index.location == "/ui/account")
            #expect(index.securityHeaderProblems == [])

            let login = try await browser.get("/ui/login")
            #expect(login.body.contains("<title>Log in · Acme</title>"))
            #expect(login.body.contains(#"<link rel="stylesheet" href="/ui/assets/gatehouse.css">"#))
        }
    }

    @Test("an error page and a redirect carry the security headers too")
    func headersOnEveryAnswer() async throws {
        try await PageHarness().test { client in
            let browser = Browser(client)
            let refused = try await browser.post("/ui/login", [("username", "alice"), ("password", "x")])
            #expect(refused.status == .forbidden)
            #expect(refused.securityHeaderProblems == [])
            let redirect = try await browser.get("/ui/account")
            #expect(redirect.status == .seeOther)
            #expect(redirect.securityHeaderProblems == [])
        }
    }
}

@Suite("Signing up and logging in through the forms")
struct SignInPagesTests {
    @Test("signing up signs in: 303 to the account page with an HttpOnly session cookie")
    func signUp() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            let page = try await browser.signUp()
            #expect(page.status == .seeOther)
            #expect(page.location == "/ui/account?notice=welcome")
            let setting = try #require(page.setCookie(sessionCookieName))
            let token = try #require(await browser.sessionToken)
            #expect(setting.hasPrefix("\(sessionCookieName)=\(token); Max-Age="))
            #expect(setting.hasSuffix("; Path=/; HttpOnly; Secure; SameSite=Lax"))
            #expect(page.body.isEmpty)

            let account = try await browser.get("/ui/account?notice=welcome")
            #expect(account.status == .ok)
            #expect(account.body.contains("<dt>Username</dt><dd>alice</dd>"))
            #expect(account.body.contains("alice@example.com"))
            #expect(account.notice == "Your account is ready. We sent you a message to confirm your e-mail address.")
            #expect(account.body.contains(#"<form method="post" action="/ui/logout""#), "the header offers to log out")
            #expect(!account.body.contains(token), "the token stays in the HttpOnly cookie")
        }
        #expect(try await harness.account()?.email == "alice@example.com")
        #expect(try await harness.sessions().count == 1)
    }

    @Test(
        "a weak password shows the form again with the reason, what was typed, and never the password",
        arguments: [
            ("kx7#mq2", "Use at least 8 characters."),
            ("Password1", "This password is one that many people use. Choose another one."),
        ]
    )
    func weakPassword(password: String, reason: String) async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            let page = try await browser.submit(
                "/ui/signup",
                [("username", "alice"), ("email", "alice@example.com"), ("password", password)],
                via: "/ui/signup"
            )
            #expect(page.status == .badRequest)
            #expect(page.heading == "Create your account")
            #expect(page.fieldError("password") == reason)
            #expect(page.fieldErrors == [reason])
            #expect(page.alert == nil)
            #expect(page.value(ofInput: "username") == "alice")
            #expect(page.value(ofInput: "email") == "alice@example.com")
            #expect(page.value(ofInput: "password") == nil, "the password field is empty")
            #expect(!page.body.contains(password))
            #expect(page.body.contains(#"aria-describedby="password-hint password-error" aria-invalid="true""#))
            #expect(!page.setsSession)
        }
        #expect(try await harness.account() == nil)
    }

    @Test("a taken username: 409 with the message next to the username")
    func usernameTaken() async throws {
        let harness = PageHarness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let page = try await Browser(client).submit(
                "/ui/signup",
                [("username", "Alice"), ("email", "other@example.com"), ("password", PageHarness.password)],
                via: "/ui/signup"
            )
            #expect(page.status == .conflict)
            #expect(page.fieldError("username") == "This username is taken. Try another one.")
            #expect(page.fieldErrors.count == 1)
            #expect(page.value(ofInput: "email") == "other@example.com")
            #expect(!page.setsSession)
        }
        #expect(try await harness.account()?.email == "alice@example.com")
    }

    @Test("a wrong password or an unknown user: 401 with one alert about the form, the same for both")
    func loginFailure() async throws {
        let harness = PageHarness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let browser = Browser(client)
            var pages: [Page] = []
            for (username, password) in [("alice", "not the password"), ("nobody", PageHarness.password)] {
                let page = try await browser.submit("/ui/login", [("username", username), ("password", password)], via: "/ui/login")
                #expect(page.status == .unauthorized)
                #expect(page.alert == "The username or password is not right.")
                #expect(page.fieldErrors == [])
                #expect(page.value(ofInput: "username") == username)
                #expect(!page.body.contains(password))
                #expect(!page.setsSession)
                pages.append(page)
            }
            #expect(
                pages[0].body.replacingOccurrences(of: "alice", with: "") == pages[1].body.replacingOccurrences(of: "nobody", with: ""),
                "nothing tells an unknown user from a wrong password"
            )
        }
        #expect(try await harness.sessions().isEmpty)
    }

    @Test("too many failed logins: 429 with an alert, even for the right password")
    func throttled() async throws {
        let harness = PageHarness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let browser = Browser(client)
            for _ in 0..<5 {
                let page = try await browser.submit("/ui/login", [("username", "alice"), ("password", "wrong guess")], via: "/ui/login")
                #expect(page.status == .unauthorized)
            }
            let page = try await browser.submit("/ui/login", [("username", "alice"), ("password", PageHarness.password)], via: "/ui/login")
            #expect(page.status == .tooManyRequests)
            #expect(page.alert == "Too many attempts. Wait a few minutes, then try again.")
            #expect(!page.setsSession)
        }
        #expect(try await harness.sessions().isEmpty)
    }

    @Test("when addresses must be confirmed, signing up sends a link and logging in waits for it")
    func confirmFirst() async throws {
        let harness = PageHarness { options in
            options.requiresVerifiedEmail = true
            options.sendsVerificationOnSignUp = true
        }
        try await harness.test { client in
            let browser = Browser(client)
            let signUp = try await browser.submit(
                "/ui/signup",
                [("username", "alice"), ("email", "alice@example.com"), ("password", PageHarness.password)],
                via: "/ui/signup"
            )
            #expect(signUp.status == .seeOther)
            #expect(signUp.location == "/ui/login?notice=check_email")
            #expect(!signUp.setsSession)
            let notice = try await browser.get("/ui/login?notice=check_email")
            #expect(notice.notice?.hasPrefix("Your account is ready. Open the link in the message we sent you") == true)

            let early = try await browser.submit("/ui/login", [("username", "alice"), ("password", PageHarness.password)], from: notice)
            #expect(early.status == .forbidden)
            #expect(early.alert == "Confirm your e-mail address first: open the link in the message we sent you.")
            #expect(!early.setsSession)

            let link = try await harness.linkToken(kind: AccountMessage.verifyEmail)
            let confirmed = try await browser.submit("/ui/verify", [("token", link.token)], via: link.path)
            #expect(confirmed.location == "/ui/login?notice=email_confirmed")
            #expect(try await browser.logIn().location == "/ui/account")
        }
    }

    @Test("logging in: 303 to the account page; the login page then sends a signed-in browser on")
    func logIn() async throws {
        let harness = PageHarness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let browser = Browser(client)
            let page = try await browser.logIn()
            #expect(page.location == "/ui/account")
            #expect(page.setsSession)
            #expect(try await browser.get("/ui/account").status == .ok)

            let again = try await browser.get("/ui/login")
            #expect(again.status == .seeOther)
            #expect(again.location == "/ui/account")
            #expect(try await browser.get("/ui/login?return_to=%2Fui%2Fsessions").location == "/ui/sessions")
        }
    }

    @Test("logging in again while signed in leaves no session behind")
    func logInTwice() async throws {
        let harness = PageHarness()
        try await harness.createAccount("alice")
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.logIn()
            let first = try await harness.sessions().map(\.id)
            let page = try await browser.submit("/ui/login", [("username", "alice"), ("password", PageHarness.password)], via: "/ui/signup")
            #expect(page.status == .seeOther)
            let second = try await harness.sessions().map(\.id)
            #expect(second.count == 1)
            #expect(second != first)
        }
    }

    @Test("what a person typed is shown escaped: a script in an e-mail address stays text")
    func escaping() async throws {
        let typed = #"x"><script>alert(1)</script>@example.com"#
        try await PageHarness().test { client in
            let page = try await Browser(client).submit(
                "/ui/signup",
                [("username", "alice"), ("email", typed), ("password", PageHarness.password)],
                via: "/ui/signup"
            )
            #expect(page.status == .badRequest)
            #expect(page.fieldError("email") == "Enter an e-mail address, such as name@example.com.")
            #expect(!page.body.contains("<script"))
            #expect(!page.body.contains(#"x">"#))
            #expect(page.body.contains("x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com"))
            #expect(page.value(ofInput: "email") == typed, "the field shows exactly what was typed")
        }
    }

    @Test("a form that is not URL-encoded, or too large, is refused with a page")
    func unreadableForm() async throws {
        try await PageHarness(pages: AccountPagesConfiguration(maximumFormSize: 1_024)).test { client in
            let browser = Browser(client)
            let page = try await browser.get("/ui/login")
            let token = try #require(page.csrfToken)
            let json = try await browser.post("/ui/login", [("csrf_token", token)], contentType: "application/json")
            #expect(json.status == .badRequest)
            #expect(json.message == "The form could not be read.")
            let large = try await browser.post("/ui/login", [("csrf_token", token), ("username", String(repeating: "a", count: 2_000))])
            #expect(large.status == .badRequest)
            #expect(large.message == "The form could not be read.")
            #expect(large.securityHeaderProblems == [])
        }
    }
}

@Suite("The CSRF token of the forms, over HTTP")
struct FormTokenPagesTests {
    static let expired = "This form has expired or did not come from this site. Go back, reload the page and try again."

    @Test("a sign-up without a token, with another browser's token, or from a browser without the cookie: 403, nothing created")
    func refusedWhileSignedOut() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let fields = [("username", "alice"), ("email", "alice@example.com"), ("password", PageHarness.password)]
            let victim = Browser(client)
            _ = try await victim.get("/ui/signup")
            let attacker = try await Browser(client).get("/ui/signup")
            let attackerToken = try #require(attacker.csrfToken)

            let attempts = [
                try await victim.post("/ui/signup", fields),
                try await victim.post("/ui/signup", [("csrf_token", "")] + fields),
                try await victim.post("/ui/signup", [("csrf_token", attackerToken)] + fields),
                try await Browser(client).post("/ui/signup", [("csrf_token", attackerToken)] + fields),
            ]
            for page in attempts {
                #expect(page.status == .forbidden)
                #expect(page.heading == "Please try again")
                #expect(page.message == Self.expired)
                #expect(!page.setsSession)
            }
        }
        #expect(try await harness.account() == nil)
    }

    @Test("a login with another browser's token is refused and starts no session")
    func loginRefused() async throws {
        let harness = PageHarness()
        try await harness.createAccount()
        try await harness.test { client in
            let other = try await Browser(client).get("/ui/login")
            let browser = Browser(client)
            _ = try await browser.get("/ui/login")
            let page = try await browser.submit("/ui/login", [("username", "alice"), ("password", PageHarness.password)], from: other)
            #expect(page.status == .forbidden)
            #expect(!page.setsSession)
        }
        #expect(try await harness.sessions().isEmpty)
    }

    @Test("signed in, a form without a valid token is refused with 403 and changes nothing")
    func refusedWhileSignedIn() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            let attacker = try await Browser(client).get("/ui/login")
            for fields in [[], [("csrf_token", try #require(attacker.csrfToken))]] {
                let page = try await browser.post("/ui/logout", fields)
                #expect(page.status == .forbidden)
                #expect(page.message == Self.expired)
                #expect(page.setsSession, "the refused form still hands over the renewed cookie")
                #expect(!page.clearsSession)
            }
            #expect(try await browser.get("/ui/account").status == .ok, "still signed in")
        }
        #expect(try await harness.sessions().count == 1)
    }

    @Test("a token shown before logging in is refused after it: tokens are bound to the session")
    func boundToSession() async throws {
        let harness = PageHarness()
        try await harness.createAccount()
        try await harness.test { client in
            let browser = Browser(client)
            let before = try await browser.get("/ui/login")
            let login = try await browser.submit("/ui/login", [("username", "alice"), ("password", PageHarness.password)], from: before)
            #expect(login.status == .seeOther)

            let stale = try await browser.submit("/ui/logout", from: before)
            #expect(stale.status == .forbidden)
            #expect(stale.message == FormTokenPagesTests.expired)
            #expect(!stale.clearsSession)
            let account = try await browser.get("/ui/account")
            #expect(account.status == .ok, "still signed in")
            #expect(account.csrfToken != before.csrfToken)

            let logout = try await browser.submit("/ui/logout", from: account)
            #expect(logout.status == .seeOther)
            #expect(logout.clearsSession)
        }
        #expect(try await harness.sessions().isEmpty)
    }
}

@Suite("Where the login page sends a person")
struct ReturnToPagesTests {
    static let pages = AccountPagesConfiguration(returnOrigins: ["https://app.example.com"])

    @Test(
        "return_to is kept only for this server's paths and the allowed origins",
        arguments: [
            ("https://evil.example/after", "/ui/account"),
            ("//evil.example", "/ui/account"),
            (#"/\evil.example"#, "/ui/account"),
            ("javascript:alert(1)", "/ui/account"),
            ("https://app.example.com.evil.example/", "/ui/account"),
            ("/ui/sessions", "/ui/sessions"),
            ("https://app.example.com/after?x=1", "https://app.example.com/after?x=1"),
        ]
    )
    func returnTo(candidate: String, destination: String) async throws {
        let harness = PageHarness(pages: Self.pages)
        try await harness.createAccount()
        try await harness.test { client in
            let browser = Browser(client)
            let query = candidate.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let form = try await browser.get("/ui/login?return_to=\(query)")
            #expect(form.status == .ok)
            let kept = destination == candidate
            #expect(form.values(named: "return_to") == (kept ? [candidate] : []), "the form carries only a safe return_to")

            let page = try await browser.submit(
                "/ui/login",
                [("username", "alice"), ("password", PageHarness.password), ("return_to", candidate)],
                from: form
            )
            #expect(page.status == .seeOther)
            #expect(page.location == destination)
        }
    }

    @Test("the allowed origins are in the policy's form-action")
    func formAction() async throws {
        try await PageHarness(pages: Self.pages).test { client in
            let page = try await Browser(client).get("/ui/login")
            #expect(page.header("Content-Security-Policy")?.contains("form-action 'self' https://app.example.com;") == true)
        }
    }

    @Test(
        "a signed-out browser is sent to log in and brought back",
        arguments: [("/ui/account", "/ui/login?return_to=/ui/account"), ("/ui/sessions", "/ui/login?return_to=/ui/sessions")]
    )
    func signedOut(path: String, location: String) async throws {
        let harness = PageHarness()
        try await harness.createAccount()
        try await harness.test { client in
            let browser = Browser(client)
            let redirect = try await browser.get(path)
            #expect(redirect.status == .seeOther)
            #expect(redirect.location == location, "'/' needs no escaping in a query")
            let login = try await browser.get(try #require(redirect.location))
            #expect(login.values(named: "return_to") == [path])
            let page = try await browser.submit(
                "/ui/login",
                [("username", "alice"), ("password", PageHarness.password), ("return_to", path)],
                from: login
            )
            #expect(page.location == path)
            #expect(try await browser.get(path).status == .ok)
        }
    }
}

@Suite("Logging out and dead sessions")
struct LogOutPagesTests {
    @Test("GET /ui/logout only shows a button; the POST logs out and clears the cookie")
    func logOut() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            let token = try #require(await browser.sessionToken)
            let page = try await browser.get("/ui/logout")
            #expect(page.status == .ok)
            #expect(!page.clearsSession)
            #expect(page.body.contains(#"<form method="post" action="/ui/logout" class="card" id="logout-form">"#))
            #expect(try await browser.get("/ui/account").status == .ok, "still signed in after the GET")

            let logout = try await browser.submit("/ui/logout", from: page)
            #expect(logout.status == .seeOther)
            #expect(logout.location == "/ui/login?notice=signed_out")
            #expect(logout.clearsSession)
            #expect(await browser.sessionToken == nil)
            let login = try await browser.get("/ui/login?notice=signed_out")
            #expect(login.notice == "You are signed out.")
            #expect(try await browser.get("/ui/logout").location == "/ui/login")

            // The token the browser held no longer works anywhere.
            let replay = Browser(client)
            await replay.setCookie(sessionCookieName, token)
            let refused = try await replay.get("/ui/account")
            #expect(refused.status == .seeOther)
            #expect(refused.location == "/ui/login?return_to=/ui/account")
        }
        #expect(try await harness.sessions().isEmpty)
    }

    @Test("a revoked session's cookie: to the login page, with the cookie cleared")
    func revoked() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            let form = try await browser.get("/ui/account")
            let held = try #require(await browser.sessionToken)
            let account = try #require(try await harness.account())
            _ = try await harness.accounts.sessions.revokeSessions(.allSessions(accountID: account.accountID))

            let page = try await browser.get("/ui/sessions")
            #expect(page.status == .seeOther)
            #expect(page.location == "/ui/login?return_to=/ui/sessions")
            #expect(page.clearsSession)
            #expect(page.securityHeaderProblems == [])
            #expect(await browser.sessionToken == nil)

            // A form posted with the dead cookie goes to the login page too, and clears it.
            let poster = Browser(client)
            await poster.setCookie(sessionCookieName, held)
            await poster.setCookie(csrfCookieName, try #require(await browser.cookie(csrfCookieName)), path: "/")
            let posted = try await poster.submit(
                "/ui/account/password",
                [("current_password", PageHarness.password), ("new_password", "a brand new passphrase")],
                from: form
            )
            #expect(posted.status == .seeOther)
            #expect(posted.location == "/ui/login")
            #expect(posted.clearsSession)
        }
        // The password did not change.
        _ = try await harness.accounts.logIn(username: "alice", password: PageHarness.password, client: ConnectionInfo(ip: "", userAgent: ""))
    }

    @Test("a session past its idle timeout: to the login page, with the cookie cleared")
    func idle() async throws {
        let harness = PageHarness()
        try await harness.test { client in
            let browser = Browser(client)
            try await browser.signUp()
            harness.clock.advance(by: .seconds(8 * 86_400))
            let page = try await browser.get("/ui/account")
            #expect(page.status == .seeOther)
            #expect(page.location == "/ui/login?return_to=/ui/account")
            #expect(page.clearsSession)
            #expect(try await browser.get("/ui/login").status == .ok, "the login page shows once the cookie is gone")
        }
    }
}
