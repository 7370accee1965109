import Gatehouse
import HTTPTypes
import Hummingbird

/// The error the Gatehouse HTTP layer throws: an `AccountError` code with the HTTP status it maps to,
/// answered as `{"error":{"code":"<code>","message":"…","detail":"…"}}` (`detail` only when the error
/// names one).
///
/// The message is the `AccountError`'s, which never carries a token, a hash, a password or an e-mail
/// address; for unexpected errors it is a generic sentence and the cause stays in the logs.
public struct GatehouseHTTPError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// The HTTP status of the response.
    public var status: HTTPResponse.Status
    /// The code in the response body: an `AccountError.Code`, or `NotFound`, `MethodNotAllowed`,
    /// `PayloadTooLarge`, `InternalError` for failures that have no `AccountError`.
    public var code: String
    /// The message in the response body.
    public var message: String
    /// Which input or check the error is about (an `AccountError.Detail`'s raw value, such as
    /// `username` or `token_expired`), for programs; `nil` when it is about none in particular.
    public var detail: String?
    /// Extra response headers (`Retry-After`, a cookie being cleared).
    public var headers: HTTPFields

    /// An error with an explicit status and code.
    public init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// The HTTP form of an `AccountError`: its code, its message and the status the code maps to,
    /// with `Retry-After` for `TooManyAttempts`.
    public init(_ error: AccountError) {
        let status = Self.status(for: error.code)
        // A 500 means a misconfiguration or a bug: its message is for the logs, not for the client.
        let message = status == .internalServerError ? Self.genericMessage : error.message
        self.init(status: status, code: error.code.rawValue, message: message)
        if status != .internalServerError { detail = error.detail?.rawValue }
        if let retryAfter = error.retryAfter {
            headers[.retryAfter] = String(retryAfter)
        }
    }

    /// The HTTP form of any error: `AccountError`s and Hummingbird's own HTTP errors keep their status;
    /// anything else is a `500` with a generic message.
    public init(_ error: any Error) {
        switch error {
        case let error as GatehouseHTTPError:
            self = error
        case let error as AccountError:
            self.init(error)
        case let error as HeaderAddingError:
            self.init(error.underlying)
            headers.append(contentsOf: error.headers)
        case is DecodingError:
            self.init(AccountError.invalidRequest(.body))
        case let error as any HTTPResponseError:
            // An `HTTPError`'s message is written by the application for its clients; keep it.
            let httpError = error as? HTTPError
            self.init(status: error.status, code: Self.code(for: error.status), message: httpError?.body ?? error.status.reasonPhrase)
            headers = httpError?.headers ?? [:]
        default:
            self.init(status: .internalServerError, code: "InternalError", message: Self.genericMessage)
        }
    }

    /// The status an `AccountError` code is answered with.
    public static func status(for code: AccountError.Code) -> HTTPResponse.Status {
        switch code {
        case .unauthorized, .tokenVerificationFailed, .sessionExpired, .invalidSession, .tokenTheftDetected,
            .userNotFound, .loginFailed, .invalidEncodedSession, .authenticationFailed, .identityVerificationFailed,
            .reauthenticationRequired, .secondFactorRequired, .secondFactorFailed, .passkeyFailed:
            .unauthorized
        case .userDeactivated, .csrfRejected, .emailNotVerified:
            .forbidden
        case .unsupportedMediaType:
            .unsupportedMediaType
        case .invalidRequest, .invalidLocationInfoIP, .invalidLocationInfoUserAgent, .invalidToken, .invalidTokens, .weakPassword:
            .badRequest
        case .sessionNotFound, .impersonatedUserNotFound, .serviceNotFound, .providerNotFound, .identityNotFound, .passkeyNotFound:
            .notFound
        case .conflict, .identityNotLinked:
            .conflict
        case .providerUnavailable:
            .badGateway
        case .tooManyAttempts:
            .tooManyRequests
        case .storeUnavailable:
            .serviceUnavailable
        default:
            .internalServerError
        }
    }

    static let genericMessage = "The server could not handle the request."

    static func payloadTooLarge(limit: Int) -> GatehouseHTTPError {
        GatehouseHTTPError(status: .contentTooLarge, code: "PayloadTooLarge", message: "The request body is larger than \(limit) bytes.")
    }

    private static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "NotFound"
        case .methodNotAllowed: "MethodNotAllowed"
        case .contentTooLarge: "PayloadTooLarge"
        case .badRequest: AccountError.Code.invalidRequest.rawValue
        case .unauthorized: AccountError.Code.unauthorized.rawValue
        default: status.code >= 500 ? "InternalError" : "HTTP\(status.code)"
        }
    }

    /// The status, code and message, for logs.
    public var description: String { "GatehouseHTTPError(\(status.code) \(code)): \(message)" }

    /// The JSON error response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: ErrorBody(code: code, message: message, detail: detail).encoded()))
        )
        response.headers[.contentType] = "application/json; charset=utf-8"
        return response
    }
}
