import CGatehouseRandom

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
