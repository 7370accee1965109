import Metrics

/// The counters the session layer reports through swift-metrics, named as Prometheus expects
/// (`gatehouse_…_total`). Whatever backend the process bootstraps receives them; without one they cost
/// next to nothing.
package enum SessionMetrics {
    /// How a password login ended.
    package enum LoginOutcome: String {
        case ok, failed, throttled
    }

    /// `gatehouse_logins_total{outcome}`: password logins, by how they ended.
    package static func login(_ outcome: LoginOutcome) {
        Counter(label: "gatehouse_logins_total", dimensions: [("outcome", outcome.rawValue)]).increment()
    }

    /// `gatehouse_sessions_started_total`: sessions created, by a login or by the Powership layer.
    package static func sessionStarted() { Counter(label: "gatehouse_sessions_started_total").increment() }

    /// `gatehouse_rotations_total`: tokens renewed; `gatehouse_lost_response_renewals_total` counts those
    /// that replaced a token whose response never reached the client.
    package static func rotation(replacingLostResponse: Bool) {
        Counter(label: "gatehouse_rotations_total").increment()
        if replacingLostResponse { Counter(label: "gatehouse_lost_response_renewals_total").increment() }
    }

    /// `gatehouse_grace_acceptances_total`: superseded tokens accepted within the grace period.
    package static func graceAcceptance() { Counter(label: "gatehouse_grace_acceptances_total").increment() }

    /// `gatehouse_sessions_revoked_total{reason}`: sessions ended, by why.
    package static func revoked(_ count: Int, reason: RevocationReason) {
        guard count > 0 else { return }
        Counter(label: "gatehouse_sessions_revoked_total", dimensions: [("reason", reason.rawValue)]).increment(by: count)
    }

    /// `gatehouse_token_theft_detected_total`: superseded tokens replayed after the grace period.
    package static func theftDetected() { Counter(label: "gatehouse_token_theft_detected_total").increment() }

    /// `gatehouse_failures_total{code}`: refused requests and logins, by error code.
    package static func failure(_ error: any Error) {
        let code = (error as? AccountError)?.code.rawValue ?? "Internal"
        Counter(label: "gatehouse_failures_total", dimensions: [("code", code)]).increment()
    }
}
