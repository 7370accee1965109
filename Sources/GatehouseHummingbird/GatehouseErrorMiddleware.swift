import Gatehouse
import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Answers every error as `{"error":{"code","message"}}` and counts every response in
/// `gatehouse_http_responses_total{status,code}` and `gatehouse_http_requests_total{route,method,status}`,
/// with its duration in the histogram `gatehouse_http_request_duration_seconds{route,method}`.
///
/// ``makeGatehouseRouter(accounts:configuration:logger:)`` installs it first, so it sees every response
/// once; add it to your own router the same way if you mount the routes with
/// ``addGatehouseRoutes(to:accounts:configuration:)``. Logins, renewals and theft detections are
/// counted by the Gatehouse core itself, not here.
public struct GatehouseErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    private let logger: Logger
    private let metrics: HTTPMetrics

    /// A middleware that logs unexpected errors to `logger` and counts responses with
    /// `metricsFactory` (the process-wide `MetricsSystem` when `nil`).
    public init(logger: Logger, metricsFactory: (any MetricsFactory)? = nil) {
        self.logger = logger
        self.metrics = HTTPMetrics(factory: metricsFactory)
    }

    /// Runs `next`, turning any error it throws into a JSON error response, and counts the response.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.count(status: response.status, code: response.status.code < 400 ? "OK" : "None")
            metrics.request(route: context.endpointPath, method: request.method, status: response.status, nanoseconds: Self.nanoseconds(since: start))
            return response
        } catch {
            let failure = GatehouseHTTPError(error)
            // An AccountError (a store that cannot be reached, say) was logged where it happened; an
            // unexpected error is logged here, with its cause: the client only gets a generic message.
            if failure.status.code >= 500, !(Self.isAccountError(error)) {
                logger.error(
                    "request failed",
                    metadata: [
                        "gatehouse.error": "\(failure.code)", "gatehouse.error_detail": "\(error)", "gatehouse.path": "\(request.uri.path)",
                    ]
                )
            }
            metrics.count(status: failure.status, code: failure.code)
            metrics.request(route: context.endpointPath, method: request.method, status: failure.status, nanoseconds: Self.nanoseconds(since: start))
            return try failure.response(from: request, context: context)
        }
    }

    private static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    private static func isAccountError(_ error: any Error) -> Bool {
        switch error {
        case is AccountError: true
        case let error as HeaderAddingError: isAccountError(error.underlying)
        default: false
        }
    }
}
