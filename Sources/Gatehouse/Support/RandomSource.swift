/// Where secret random bytes come from: token secrets, salts, one-time tokens, identifiers.
///
/// The default is the operating system's CSPRNG; the `GatehouseTesting` library has a seeded source
/// that makes identifiers and tokens reproducible in tests.
public protocol RandomSource: Sendable {
    /// Returns `count` random bytes.
    func bytes(_ count: Int) -> [UInt8]
}
