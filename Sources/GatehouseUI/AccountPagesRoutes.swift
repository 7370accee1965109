import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird

/// Adds the account pages under `/ui/` to a router: server-rendered HTML forms over the same calls as
/// the JSON API, that work without JavaScript.
///
/// | page | what a person does there |
/// |---|---|
/// | `/ui/signup` | creates an account |
/// | `/ui/login` | logs in, then goes back to `?return_to=` when it is safe; asks for the code of an account with a second factor |
/// | `/ui/recovery` | asks for a reset link |
/// | `/ui/reset?token=…` | sets a new password from the link |
/// | `/ui/verify?token=…` | confirms an e-mail address from the link |
/// | `/ui/account` | changes the password or the address, turns two-step verification on or off, adds and removes passkeys, deletes the account |
/// | `/ui/sessions` | sees the devices signed in, ends one or all the others |
/// | `/ui/logout` | logs out (a `POST`; the `GET` page only shows the button) |
///
/// The login page offers a passkey, and the account page adds and removes them, where the browser runs
/// the one script the pages have (`/ui/assets/gatehouse.js`); every other form works without it.
///
/// Sessions travel in the `HttpOnly` cookie only, so `http` must have the cookie enabled. Every form
/// carries a CSRF token tied to the browser and its session; every page carries a strict
/// Content-Security-Policy (scripts from this server only, none inline), `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer`.
///
/// - Throws: ``AccountPagesConfiguration/InvalidConfiguration`` for a bad colour, logo or origin, or
///   when the cookie is off; a template that does not parse.
public func addAccountPages<Routes: RouterMethods>(
    to routes: Routes,
    accounts: Accounts,
    http: GatehouseHTTPConfiguration = GatehouseHTTPConfiguration(),
    configuration: AccountPagesConfiguration = AccountPagesConfiguration()
) throws where Routes.Context: GatehouseRequestContextProtocol {
    guard http.cookie.enabled else {
        throw AccountPagesConfiguration.InvalidConfiguration(description: "the account pages need the session cookie")
    }
    let pages = try AccountPages<Routes.Context>(accounts: accounts, http: http, configuration: configuration)
    let stylesheet = pages.stylesheet
    routes.group("/ui")
        .add(middleware: PageMiddleware(pages: pages))
        .add(middleware: GatehouseMiddleware<Routes.Context>(accounts: accounts, configuration: http, checksCrossSiteRequests: false))
        .get { _, _ in pages.redirect(to: "/ui/account") }
        .get("/assets/gatehouse.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: stylesheet))
            )
        }
        .get("/assets/gatehouse.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: PageScript.source))
            )
        }
        .get("/signup", use: pages.signUpPage)
        .post("/signup", use: pages.refusingForms(pages.signUp))
        .get("/login", use: pages.logInPage)
        .post("/login", use: pages.refusingForms(pages.logIn))
        .post("/login/code", use: pages.refusingForms(pages.logInWithCode))
        .post("/login/passkey", use: pages.refusingForms(pages.logInWithPasskey))
        .get("/logout", use: pages.logOutPage)
        .post("/logout", use: pages.refusingForms(pages.logOut))
        .get("/recovery", use: pages.recoveryPage)
        .post("/recovery", use: pages.refusingForms(pages.requestRecovery))
        .get("/reset", use: pages.resetPage)
        .post("/reset", use: pages.refusingForms(pages.reset))
        .get("/verify", use: pages.verifyPage)
        .post("/verify", use: pages.refusingForms(pages.verify))
        .get("/account", use: pages.accountPage)
        .post("/account/password", use: pages.refusingForms(pages.changePassword))
        .post("/account/email", use: pages.refusingForms(pages.changeEmail))
        .post("/account/verification", use: pages.refusingForms(pages.sendVerification))
        .post("/account/delete", use: pages.refusingForms(pages.deleteAccount))
        .post("/account/totp", use: pages.refusingForms(pages.beginTOTP))
        .post("/account/totp/confirm", use: pages.refusingForms(pages.confirmTOTP))
        .post("/account/totp/delete", use: pages.refusingForms(pages.disableTOTP))
        .post("/account/passkeys/options", use: pages.passkeyRegistrationOptions)
        .post("/account/passkeys", use: pages.refusingForms(pages.addPasskey))
        .post("/account/passkeys/delete", use: pages.refusingForms(pages.removePasskey))
        .get("/sessions", use: pages.sessionsPage)
        .post("/sessions/end", use: pages.refusingForms(pages.endSession))
        .post("/sessions/end-others", use: pages.refusingForms(pages.endOtherSessions))
}
