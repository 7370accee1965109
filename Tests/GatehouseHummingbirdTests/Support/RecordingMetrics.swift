import CoreMetrics
import Synchronization

/// A metrics factory that keeps counter totals (and, for timers, how many durations were recorded) by
/// label and dimensions, for one test.
final class RecordingMetrics: MetricsFactory {
    private let totals = Mutex<[String: Int64]>([:])
    private let made = Mutex<[String: Int]>([:])

    /// The total of the counter `label` with exactly these dimensions.
    func total(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        totals.withLock { $0[Self.key(label, dimensions)] ?? 0 }
    }

    /// The sum over every counter called `label`.
    func sum(_ label: String) -> Int64 {
        totals.withLock { $0.filter { $0.key.hasPrefix(label + "{") }.values.reduce(0, +) }
    }

    /// How many counters and timers called `label` were made, over all their dimensions.
    func madeCount(_ label: String) -> Int {
        made.withLock { $0.filter { $0.key.hasPrefix(label + "{") }.values.reduce(0, +) }
    }

    private func handler(_ label: String, _ dimensions: [(String, String)]) -> Handler {
        let key = Self.key(label, dimensions)
        made.withLock { $0[key, default: 0] += 1 }
        return Handler(key: key, totals: self)
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: ",") + "}"
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        handler(label, dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Handler(key: Self.key(label, dimensions), totals: self)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Handler(key: Self.key(label, dimensions), totals: self)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(key: Self.key(label, dimensions), totals: self)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        handler(label, dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    fileprivate func add(_ amount: Int64, to key: String) {
        totals.withLock { $0[key, default: 0] += amount }
    }

    /// Counts integer increments and timer recordings; every other kind of measurement is ignored.
    private final class Handler: CounterHandler, FloatingPointCounterHandler, MeterHandler, RecorderHandler, TimerHandler {
        let key: String
        let totals: RecordingMetrics

        init(key: String, totals: RecordingMetrics) {
            self.key = key
            self.totals = totals
        }

        func increment(by amount: Int64) { totals.add(amount, to: key) }
        func reset() {}
        func increment(by amount: Double) {}
        func decrement(by amount: Double) {}
        func set(_ value: Int64) {}
        func set(_ value: Double) {}
        func record(_ value: Int64) {}
        func record(_ value: Double) {}
        func recordNanoseconds(_ duration: Int64) { totals.add(1, to: key) }
    }
}
