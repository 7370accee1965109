import Gatehouse
import Synchronization

/// A deterministic source (SplitMix64) for tests: the same seed gives the same identifiers and tokens.
///
/// Never use it for real secrets: anyone who knows the seed knows every token it helped make.
public final class SeededRandomSource: RandomSource {
    private let state: Mutex<UInt64>

    public init(seed: UInt64) { state = Mutex(seed) }

    public func bytes(_ count: Int) -> [UInt8] {
        state.withLock { state in
            var result = [UInt8]()
            result.reserveCapacity(count)
            while result.count < count {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                for shift in stride(from: 0, to: 64, by: 8) where result.count < count {
                    result.append(UInt8(truncatingIfNeeded: z >> UInt64(shift)))
                }
            }
            return result
        }
    }
}
