import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird
import Logging

/// In front of the pages: turns every error into a page a person can read — a dead session into a
/// trip to the login page, a refused form into "this form has expired" — and puts the security headers
/// on every answer, errors included.
struct PageMiddleware<Context: GatehouseRequestContextProtocol>: RouterMiddleware {
    let pages: AccountPages<Context>
    let securityHeaders: HTTPFields

    init(pages: AccountPages<Context>) {
        self.pages = pages
        self.securityHeaders = Self.headers(for: pages.configuration)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = errorPage(error, request: request, context: context)
        }
        for field in securityHeaders where response.headers[field.name] == nil {
            response.headers.append(field)
        }
        return response
    }

    private func errorPage(_ thrown: any Error, request: Request, context: Context) -> Response {
        // A route that failed after the session was renewed still hands the browser its new cookie.
        var response = errorPage(for: (thrown as? HeaderAddingError)?.underlying ?? thrown, request: request, context: context)
        if let wrapped = thrown as? HeaderAddingError {
            response.headers.append(contentsOf: wrapped.headers)
        }
        return response
    }

    private func errorPage(for error: any Error, request: Request, context: Context) -> Response {
        if let failure = error as? PageFailure {
            return pages.refusedForm(failure, request: request, context: context)
        }
        let failure = GatehouseHTTPError(error)
        // The session in the cookie no longer works: the middleware already clears the cookie.
        if [401, 403, 404].contains(failure.status.code), failure.code != AccountError.Code.csrfRejected.rawValue {
            var response =
                request.method == .get
                ? pages.toLogin(returningTo: request.uri.path) : pages.redirect(to: "/ui/login")
            response.headers.append(contentsOf: failure.headers)
            return response
        }
        if failure.status.code >= 500 {
            context.logger.error("page failed", metadata: ["gatehouse.error": "\(failure.code)", "gatehouse.path": "\(request.uri.path)"])
        }
        var response = pages.message(
            PageProblem(status: failure.status).message,
            title: failure.status.code == 429 ? "Slow down" : "Something went wrong",
            status: failure.status,
            request: request,
            context: context
        )
        response.headers.append(contentsOf: failure.headers.filter { $0.name != .contentType })
        return response
    }

    /// A strict policy: nothing but this server's stylesheet, images (and the logo's origin) and
    /// script — one file, `gatehouse.js`, for the passkey ceremonies, which may call this server only;
    /// nothing inline, no `eval`; no framing; forms only to this server (and redirects after login only to the
    /// allowed return origins); no referrer, since some pages carry a token in their URL.
    static func headers(for configuration: AccountPagesConfiguration) -> HTTPFields {
        let images = (["'self'"] + [configuration.logoOrigin].compactMap { $0 }).joined(separator: " ")
        let forms = (["'self'"] + configuration.returnOrigins.compactMap(ReturnTarget.origin(of:))).joined(separator: " ")
        let policy = [
            "default-src 'none'", "style-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src \(images)", "form-action \(forms)",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ].joined(separator: "; ")
        return [
            .contentSecurityPolicy: policy,
            .xFrameOptions: "DENY",
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
            .cacheControl: "no-store",
            .crossOriginOpenerPolicy: "same-origin",
        ]
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
}
