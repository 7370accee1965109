import Foundation
import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import Logging

/// The handlers of the account pages. Each runs behind ``GatehouseMiddleware`` (the session comes from
/// the cookie and is renewed there) and ``PageMiddleware`` (security headers, error pages). Forms post
/// back to their own page: success redirects (`303`), a problem shows the form again with the message
/// next to the field it concerns.
struct AccountPages<Context: GatehouseRequestContextProtocol>: Sendable {
    let accounts: Accounts
    let http: GatehouseHTTPConfiguration
    let configuration: AccountPagesConfiguration
    let renderer: PageRenderer
    let returnTarget: ReturnTarget
    let csrf: FormCSRF
    let cookie: SessionCookie
    let stylesheet: String

    init(accounts: Accounts, http: GatehouseHTTPConfiguration, configuration: AccountPagesConfiguration) throws {
        try configuration.validate()
        self.accounts = accounts
        self.http = http
        self.configuration = configuration
        self.renderer = try PageRenderer(templatesDirectory: configuration.templatesDirectory)
        self.returnTarget = ReturnTarget(allowedOrigins: configuration.returnOrigins)
        self.csrf = FormCSRF(secure: http.cookie.secure)
        self.cookie = SessionCookie(configuration: http)
        self.stylesheet = renderer.stylesheet(accent: configuration.accentColor)
    }

    var now: Date { accounts.sessions.options.clock.now() }

    // MARK: Responses

    /// The page `name` with `values`, the values every page sees, and the CSRF cookie when the browser
    /// has none yet.
    func page(
        _ name: String,
        title: String,
        values: [String: Any] = [:],
        problem: PageProblem? = nil,
        status: HTTPResponse.Status = .ok,
        request: Request,
        context: Context
    ) -> Response {
        var headers = HTTPFields()
        let secret: String
        if let existing = csrf.secret(in: request.headers) {
            secret = existing
        } else {
            secret = FormCSRF.newSecret()
            headers.append(HTTPField(name: .setCookie, value: csrf.setting(secret)))
        }
        let authentication = context.gatehouse?.authentication
        var all = values
        all["brand"] = configuration.brand
        all["logo_url"] = configuration.logoURL
        all["title"] = title
        all["csrf_token"] = FormCSRF.token(secret: secret, sessionID: authentication?.sessionID)
        all["signed_in"] = authentication != nil
        all["passkeys_available"] = accounts.options.relyingParty != nil
        if all["username"] == nil, let account = authentication?.account { all["username"] = account.username }
        if all["notice"] == nil, let key = request.uri.queryParameters.get("notice"), let notice = PageNotices.all[key] {
            all["notice"] = notice
        }
        if let problem {
            if let field = problem.field { all["\(field)_error"] = problem.message } else { all["alert"] = problem.message }
        }
        headers[.contentType] = "text/html; charset=utf-8"
        let html = renderer.page(name, values: all)
        return Response(status: problem?.status ?? status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page with a sentence and, optionally, a link onwards.
    func message(
        _ text: String,
        title: String,
        link: (href: String, text: String)? = nil,
        status: HTTPResponse.Status,
        request: Request,
        context: Context
    ) -> Response {
        var values: [String: Any] = ["message": text]
        if let link {
            values["link"] = link.href
            values["link_text"] = link.text
        }
        return page("message", title: title, values: values, status: status, request: request, context: context)
    }

    /// `303 See Other` to `location`, with `headers`.
    func redirect(to location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// To the login page, coming back to `path` afterwards.
    func toLogin(returningTo path: String?) -> Response {
        guard let path, returnTarget.accepted(path) != nil, path != "/ui/login" else { return redirect(to: "/ui/login") }
        return redirect(to: "/ui/login?return_to=" + Self.queryEscaped(path))
    }

    /// The `Set-Cookie` header that hands the browser the session of `authentication`.
    func sessionCookie(_ authentication: Authentication) -> HTTPFields {
        [.setCookie: cookie.setting(authentication.token, lifetime: cookie.lifetime(of: authentication, now: now))]
    }

    /// The page for a form refused before it was read: an expired or foreign CSRF token (`403`), or a
    /// body that is not a form (`400`).
    func refusedForm(_ failure: PageFailure, request: Request, context: Context) -> Response {
        switch failure {
        case .formExpired:
            message(
                "This form has expired or did not come from this site. Go back, reload the page and try again.",
                title: "Please try again",
                status: .forbidden,
                request: request,
                context: context
            )
        case .unreadableForm:
            message("The form could not be read.", title: "Please try again", status: .badRequest, request: request, context: context)
        }
    }

    /// `handler`, with a refused form answered inside it, where the page still knows who is signed in.
    func refusingForms(
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        { request, context in
            do {
                return try await handler(request, context)
            } catch let failure as PageFailure {
                return refusedForm(failure, request: request, context: context)
            }
        }
    }

    // MARK: Requests

    /// The request's state from ``GatehouseMiddleware``.
    func state(_ context: Context) throws -> GatehouseRequestState {
        guard let state = context.gatehouse else { throw AccountError.invalidConfiguration(.routesWithoutMiddleware) }
        return state
    }

    /// The posted form, once its CSRF token matches the browser's secret and session.
    func form(_ request: Request, context: Context) async throws -> FormBody {
        let body: FormBody
        do {
            body = try await FormBody.read(from: request, limit: configuration.maximumFormSize)
        } catch {
            throw PageFailure.unreadableForm
        }
        let sessionID = context.gatehouse?.authentication?.sessionID
        guard FormCSRF.isValid(body[FormCSRF.fieldName], secret: csrf.secret(in: request.headers), sessionID: sessionID) else {
            context.logger.info("page form refused: missing or wrong CSRF token", metadata: ["gatehouse.path": "\(request.uri.path)"])
            throw PageFailure.formExpired
        }
        return body
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// The messages a redirect can ask the next page to show (`?notice=<key>`), so no text a page shows
/// travels in a URL.
enum PageNotices {
    static let all: [String: String] = [
        "welcome": "Your account is ready. We sent you a message to confirm your e-mail address.",
        "check_email": "Your account is ready. Open the link in the message we sent you to confirm your e-mail address, then log in.",
        "signed_out": "You are signed out.",
        "password_reset": "Your password is changed and every device was signed out. Log in with the new password.",
        "password_changed": "Your password is changed. Your other devices were signed out.",
        "email_confirmed": "Your e-mail address is confirmed.",
        "email_change_sent": "We sent a link to the new address. Your e-mail changes once you open it.",
        "verification_sent": "We sent you a new confirmation link.",
        "account_deleted": "Your account is deleted.",
        "device_signed_out": "The device is signed out.",
        "others_signed_out": "Every other device is signed out.",
        "totp_disabled": "Two-step verification is off. Logging in asks for your password alone.",
        "passkey_added": "Your passkey is added. Next time, log in with it instead of your password.",
        "passkey_removed": "The passkey is removed. It no longer logs you in.",
    ]

}

/// A form the pages refuse before looking at it.
enum PageFailure: Error {
    /// No CSRF token, or one for another browser or session: shown as an expired form (`403`).
    case formExpired
    /// Not a URL-encoded form, too large, or not UTF-8 (`400`).
    case unreadableForm
}
