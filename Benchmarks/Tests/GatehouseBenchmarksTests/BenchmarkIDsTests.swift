import Foundation
import Gatehouse
import Testing

@testable import GatehouseBenchmarks

/// The benchmarks' own ULIDs, on fixed times and random bytes.
@Suite("Benchmark identifiers")
struct BenchmarkIDsTests {
    /// Hands out the same bytes on every call.
    struct FixedBytes: RandomSource {
        var value: [UInt8]
        func bytes(_ count: Int) -> [UInt8] { Array(value.prefix(count)) }
    }

    @Test("Time, then randomness, in Crockford base32")
    func knownValues() {
        // 1,469,918,176,500 ms (a half second, exact in binary floating point).
        let date = Date(timeIntervalSince1970: 1_469_918_176.5)
        #expect(BenchmarkIDs.ulid(at: date, random: FixedBytes(value: Array(1...10))) == "01ARYZ6S7M" + "041061050R3GG28A")
        #expect(
            BenchmarkIDs.ulid(at: Date(timeIntervalSince1970: 0), random: FixedBytes(value: Array(repeating: 0, count: 10)))
                == String(repeating: "0", count: 26)
        )
        #expect(
            BenchmarkIDs.ulid(at: date, random: FixedBytes(value: Array(repeating: 0xFF, count: 10))).hasSuffix(String(repeating: "Z", count: 16))
        )
    }

    @Test("Later times sort later")
    func ordering() {
        let random = SystemRandomSource()
        let earlier = BenchmarkIDs.ulid(at: Date(timeIntervalSince1970: 1_700_000_000), random: random)
        let later = BenchmarkIDs.ulid(at: Date(timeIntervalSince1970: 1_700_000_000.001), random: random)
        #expect(earlier.count == 26 && later.count == 26)
        #expect(earlier < later)
    }
}
