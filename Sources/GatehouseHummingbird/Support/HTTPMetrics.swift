import HTTPTypes
import Metrics

/// The HTTP layer's own counter: responses by status and error code. Kept apart from the core's
/// counters (logins, renewals, failures, thefts) so that nothing is counted twice under one name.
struct HTTPMetrics: Sendable {
    static let responsesLabel = "gatehouse_http_responses_total"

    let factory: (any MetricsFactory)?

    func count(status: HTTPResponse.Status, code: String) {
        let dimensions = [("status", String(status.code)), ("code", code)]
        let counter =
            if let factory {
                Counter(label: Self.responsesLabel, dimensions: dimensions, factory: factory)
            } else {
                Counter(label: Self.responsesLabel, dimensions: dimensions)
            }
        counter.increment()
    }
}
