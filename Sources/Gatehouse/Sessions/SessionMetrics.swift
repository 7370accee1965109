import Metrics

/// The counters Gatehouse reports through swift-metrics.
package enum SessionMetrics {
    package static func login() { Counter(label: "gatehouse_logins_total").increment() }
    package static func renewal() { Counter(label: "gatehouse_renewals_total").increment() }
    package static func logout(_ count: Int) { Counter(label: "gatehouse_sessions_invalidated_total").increment(by: count) }
    package static func theftDetected() { Counter(label: "gatehouse_token_theft_detected_total").increment() }

    package static func failure(_ error: any Error) {
        let code = (error as? AccountError)?.code.rawValue ?? "Internal"
        Counter(label: "gatehouse_failures_total", dimensions: [("code", code)]).increment()
    }
}
