import Synchronization
import CGatehouseRandom

/// Where secret random bytes come from: token secrets, salts, one-time tokens, identifiers.
///
/// The default is the operating system's CSPRNG. Tests inject ``SeededRandomSource`` to make
/// identifiers and tokens reproducible.
public protocol RandomSource: Sendable {
    /// Returns `count` random bytes.
    func bytes(_ count: Int) -> [UInt8]
}

/// The system CSPRNG: `getrandom(2)` on Linux, `arc4random_buf` on Darwin.
///
/// One call fills the whole request; `SystemRandomNumberGenerator` would make a system call for every
/// eight bytes, four of them for each token secret.
public struct SystemRandomSource: RandomSource {
    public init() {}

    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            Self.fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard gatehouse_random_fill(buffer.baseAddress, buffer.count) != 0 else { return }
        // Only a kernel without getrandom (before Linux 3.17) gets here; the standard library's
        // generator has its own fallback for it.
        var generator = SystemRandomNumberGenerator()
        for index in buffer.indices { buffer[index] = generator.next() }
    }
}

/// A deterministic source (SplitMix64) for tests. Never use it for real secrets.
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
