import HTTPTypes
import Metrics

/// The HTTP layer's own metrics, kept apart from the core's counters (logins, rotations, failures,
/// thefts) so that nothing is counted twice under one name:
/// - `gatehouse_http_responses_total{status,code}`: responses by status and error code;
/// - `gatehouse_http_requests_total{route,method,status}`: requests by route (the matched pattern,
///   such as `/v1/sessions/{id}`, never the raw path, so ids do not become series);
/// - `gatehouse_http_request_duration_seconds{route,method}`: how long the handler took, as a histogram.
struct HTTPMetrics: Sendable {
    static let responsesLabel = "gatehouse_http_responses_total"
    static let requestsLabel = "gatehouse_http_requests_total"
    static let durationLabel = "gatehouse_http_request_duration_seconds"

    let factory: (any MetricsFactory)?

    func count(status: HTTPResponse.Status, code: String) {
        counter(Self.responsesLabel, [("status", String(status.code)), ("code", code)]).increment()
    }

    /// Counts one request to `route` and records how long it took. A request that matched no route is
    /// counted under `route="unmatched"`.
    func request(route: String?, method: HTTPRequest.Method, status: HTTPResponse.Status, nanoseconds: Int64) {
        // Hummingbird names a request no route matched `NotFound`; every real route starts with "/".
        let route = route.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        counter(Self.requestsLabel, [("route", route), ("method", method.rawValue), ("status", String(status.code))]).increment()
        let dimensions = [("route", route), ("method", method.rawValue)]
        let timer =
            if let factory {
                Timer(label: Self.durationLabel, dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
            } else {
                Timer(label: Self.durationLabel, dimensions: dimensions, preferredDisplayUnit: .seconds)
            }
        timer.recordNanoseconds(nanoseconds)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        if let factory {
            Counter(label: label, dimensions: dimensions, factory: factory)
        } else {
            Counter(label: label, dimensions: dimensions)
        }
    }
}
