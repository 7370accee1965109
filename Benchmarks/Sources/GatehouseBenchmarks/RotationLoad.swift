import Gatehouse

/// Concurrent clients, each holding its own session and always presenting its newest token, so that
/// every request is a real rotation.
struct RotationLoad {
    struct Outcome {
        var rotations: Int
        var seconds: Double
        var cpuSeconds: Double
        var tokens: [String]
        var rate: Double { Statistics.rate(count: rotations, seconds: seconds) }
        /// Process CPU per rotation, in seconds.
        var cpuPerRotation: Double { rotations > 0 ? cpuSeconds / Double(rotations) : 0 }
    }

    /// Runs one client per token until `seconds` have passed (or `cap` rotations per client), and
    /// returns how many rotations completed and each client's newest token.
    static func run(sessions: Sessions, tokens: [String], seconds: Double, cap: Int = 1_000_000) async throws -> Outcome {
        let clock = ContinuousClock()
        let cpuStart = ProcessCPU.seconds()
        let start = clock.now
        let deadline = start + .nanoseconds(Int64(seconds * 1e9))
        let finished = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
            for (index, token) in tokens.enumerated() {
                group.addTask {
                    var token = token
                    var count = 0
                    while count < cap, clock.now < deadline {
                        token = try await Fixtures.rotate(token, with: sessions)
                        count += 1
                    }
                    return (index, count, token)
                }
            }
            var results: [(Int, Int, String)] = []
            for try await result in group { results.append(result) }
            return results
        }
        let elapsed = (clock.now - start).fractionalSeconds
        let cpu = ProcessCPU.seconds() - cpuStart
        var newest = tokens
        var total = 0
        for (index, count, token) in finished {
            newest[index] = token
            total += count
        }
        return Outcome(rotations: total, seconds: elapsed, cpuSeconds: cpu, tokens: newest)
    }
}
