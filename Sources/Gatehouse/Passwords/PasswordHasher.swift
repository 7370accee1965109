/// Hashes and verifies passwords. Implementations must be slow on purpose and must not block the
/// cooperative thread pool while they work.
public protocol PasswordHasher: Sendable {
    /// Returns a self-describing hash of `password` (already validated and normalised by the caller).
    func hash(_ password: String) async throws -> String
    /// Whether `password` matches `hash`. A malformed `hash` is a mismatch, not an error.
    func verify(_ password: String, against hash: String) async throws -> Bool
}
