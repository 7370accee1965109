import Synchronization

/// Keeps an answer that must not tell two cases apart — a recovery request for an address with an
/// account, and one without — about as long in both: the fast case waits out the slow case's typical
/// duration, the median of its recent runs.
///
/// The slow case writes a token and a message; the fast one only looks the address up. Without pacing
/// the difference is a few milliseconds, measurable over a network with enough requests. A median
/// (rather than a mean) keeps one slow write from stretching every fast answer.
final class ResponsePacer: Sendable {
    private struct Recent {
        var durations: [Double] = []
        var next = 0
    }

    private static let remembered = 31
    private let recent = Mutex(Recent())

    /// Notes how long the slow case took.
    func recordSlowCase(_ duration: Duration) {
        let seconds = duration.seconds
        recent.withLock { recent in
            if recent.durations.count < Self.remembered {
                recent.durations.append(seconds)
            } else {
                recent.durations[recent.next] = seconds
            }
            recent.next = (recent.next + 1) % Self.remembered
        }
    }

    /// The median duration of the slow case's recent runs, in seconds; 0 before any.
    var typical: Double {
        let durations = recent.withLock { $0.durations }.sorted()
        return durations.isEmpty ? 0 : durations[durations.count / 2]
    }

    /// Waits until the fast case, started `elapsed` ago, has taken as long as the slow one typically does.
    func padFastCase(elapsed: Duration) async {
        let remaining = typical - elapsed.seconds
        guard remaining > 0 else { return }
        try? await Task.sleep(for: .seconds(min(remaining, 1)))
    }
}
