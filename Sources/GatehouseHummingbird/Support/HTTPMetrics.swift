import HTTPTypes
import Metrics
import Synchronization

/// The HTTP layer's own metrics, kept apart from the core's counters (logins, rotations, failures,
/// thefts) so that nothing is counted twice under one name:
/// - `gatehouse_http_responses_total{status,code}`: responses by status and error code;
/// - `gatehouse_http_requests_total{route,method,status}`: requests by route (the matched pattern,
///   such as `/v1/sessions/{id}`, never the raw path, so ids do not become series);
/// - `gatehouse_http_request_duration_seconds{route,method}`: how long the handler took, as a histogram.
///
/// Each series' counter or timer is made once and kept: making one asks the factory, which for a real
/// backend means a lookup under its lock, and costs more than counting.
struct HTTPMetrics: Sendable {
    static let responsesLabel = "gatehouse_http_responses_total"
    static let requestsLabel = "gatehouse_http_requests_total"
    static let durationLabel = "gatehouse_http_request_duration_seconds"

    let factory: (any MetricsFactory)?
    private let responses = KeptMetrics<ResponseSeries, Counter>()
    private let requests = KeptMetrics<RequestSeries, Counter>()
    private let durations = KeptMetrics<DurationSeries, Timer>()

    init(factory: (any MetricsFactory)?) {
        self.factory = factory
    }

    func count(status: HTTPResponse.Status, code: String) {
        responses.metric(for: ResponseSeries(status: status.code, code: code)) {
            counter(Self.responsesLabel, [("status", String(status.code)), ("code", code)])
        }.increment()
    }

    /// Counts one request to `route` and records how long it took. A request that matched no route is
    /// counted under `route="unmatched"`.
    func request(route: String?, method: HTTPRequest.Method, status: HTTPResponse.Status, nanoseconds: Int64) {
        // Hummingbird names a request no route matched `NotFound`; every real route starts with "/".
        let route = route.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        requests.metric(for: RequestSeries(route: route, method: method.rawValue, status: status.code)) {
            counter(Self.requestsLabel, [("route", route), ("method", method.rawValue), ("status", String(status.code))])
        }.increment()
        durations.metric(for: DurationSeries(route: route, method: method.rawValue)) {
            Timer(
                label: Self.durationLabel,
                dimensions: [("route", route), ("method", method.rawValue)],
                preferredDisplayUnit: .seconds,
                factory: factory ?? MetricsSystem.factory
            )
        }.recordNanoseconds(nanoseconds)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        Counter(label: label, dimensions: dimensions, factory: factory ?? MetricsSystem.factory)
    }

    private struct ResponseSeries: Hashable, Sendable {
        let status: Int
        let code: String
    }

    private struct RequestSeries: Hashable, Sendable {
        let route: String
        let method: String
        let status: Int
    }

    private struct DurationSeries: Hashable, Sendable {
        let route: String
        let method: String
    }
}

/// The metrics of one family, by series, made on first use.
///
/// Bounded: a client can send any method, so past `limit` series a metric is made for each use and not
/// kept (the backend still counts it; only the saving is lost).
private final class KeptMetrics<Series: Hashable & Sendable, Metric: Sendable>: Sendable {
    private let kept = Mutex<[Series: Metric]>([:])
    private let limit = 1024

    func metric(for series: Series, make: () -> Metric) -> Metric {
        if let metric = kept.withLock({ $0[series] }) { return metric }
        let metric = make()
        return kept.withLock { kept in
            if let existing = kept[series] { return existing }
            if kept.count < limit { kept[series] = metric }
            return metric
        }
    }
}
