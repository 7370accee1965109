import HTTPTypes
import Hummingbird

/// CORS for an explicit list of origins: preflights are answered here, and responses to listed origins
/// expose `Auth-Token` and `Retry-After`. Requests from other origins get no CORS headers, so browsers
/// keep their responses from the calling page.
struct CORSAllowlistMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    let settings: GatehouseHTTPConfiguration.CORSSettings
    let allowedHeaders: String

    init(settings: GatehouseHTTPConfiguration.CORSSettings, csrfHeaderName: String) {
        self.settings = settings
        origins = Set(settings.allowedOrigins)
        allowedHeaders = ["Authorization", "Content-Type", "Accept", "Gatehouse-Transport", csrfHeaderName].joined(separator: ", ")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = common(origin: origin)
            headers[.accessControlAllowMethods] = "GET, POST, DELETE, OPTIONS"
            headers[.accessControlAllowHeaders] = allowedHeaders
            headers[.accessControlMaxAge] = String(settings.maxAge)
            return Response(status: .noContent, headers: headers)
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: common(origin: origin))
            return response
        } catch {
            throw HeaderAddingError(underlying: error, headers: common(origin: origin))
        }
    }

    private func common(origin: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = origin
        if settings.allowCredentials { headers[.accessControlAllowCredentials] = "true" }
        headers[.accessControlExposeHeaders] = "Auth-Token, Retry-After"
        headers[.vary] = "Origin"
        return headers
    }
}
