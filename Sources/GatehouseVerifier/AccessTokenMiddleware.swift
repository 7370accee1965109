import Gatehouse
import GatehouseHummingbird
import HTTPTypes
import Hummingbird

/// Authenticates requests to a service downstream with a Gatehouse access token in
/// `Authorization: Bearer …`, checked by an ``AccessTokenVerifier``; the claims land on
/// ``AccessTokenRequestContextProtocol/accessToken``.
///
/// A missing token is answered `401 Unauthorized` (unless the middleware is not ``required``, then
/// the request goes on without claims); a token that fails any check is `401 TokenVerificationFailed`;
/// both with `WWW-Authenticate: Bearer` (RFC 6750). When the issuer's key set cannot be fetched the
/// answer is `503 KeySetUnavailable`. Bodies are Gatehouse's JSON errors: `{"error":{"code","message"}}`.
///
/// ```swift
/// let router = Router(context: AccessTokenRequestContext.self)
/// router.add(middleware: AccessTokenMiddleware(verifier: verifier))
/// router.get("/invoices") { _, context in "invoices of \(context.accessToken!.accountID)" }
/// ```
public struct AccessTokenMiddleware<Context: AccessTokenRequestContextProtocol>: RouterMiddleware {
    public let verifier: AccessTokenVerifier
    /// Whether a request without a token is refused. Default `true`.
    public let required: Bool

    public init(verifier: AccessTokenVerifier, required: Bool = true) {
        self.verifier = verifier
        self.required = required
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let values = request.headers[values: .authorization]
        guard !values.isEmpty else {
            if required { throw Self.refusal(AccountError.unauthorized, error: nil) }
            return try await next(request, context)
        }
        guard values.count == 1, let token = Self.bearerToken(values[0]) else {
            throw Self.refusal(AccountError.invalidRequest(.authorizationHeader), error: "invalid_request")
        }
        var context = context
        do {
            context.accessToken = try await verifier.verify(token)
        } catch let error as AccountError {
            context.logger.info(
                "access token refused",
                metadata: ["gatehouse.error": "\(error.code)", "gatehouse.detail": "\(error.detail.map(\.rawValue) ?? "")"]
            )
            throw Self.refusal(error, error: "invalid_token")
        } catch let error as KeySetUnavailable {
            context.logger.warning("access token not checked: \(error)")
            throw GatehouseHTTPError(
                status: .serviceUnavailable,
                code: "KeySetUnavailable",
                message: "The issuer's keys cannot be fetched; try again later."
            )
        }
        return try await next(request, context)
    }

    /// The token of `Bearer <token>`: the scheme in any case, one space or more, one token of the
    /// RFC 6750 characters.
    static func bearerToken(_ value: String) -> String? {
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1]
        guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return String(token)
    }

    private static func refusal(_ error: AccountError, error code: String?) -> GatehouseHTTPError {
        var refusal = GatehouseHTTPError(error)
        refusal.status = error.code == .invalidRequest ? .badRequest : .unauthorized
        refusal.headers[.wwwAuthenticate] = code.map { #"Bearer error="\#($0)""# } ?? "Bearer"
        return refusal
    }
}
