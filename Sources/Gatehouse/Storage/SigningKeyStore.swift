/// Where a server keeps the signing keys it generated.
public protocol SigningKeyStore: Sendable {
    /// Every stored key, retired ones included.
    func signingKeys() async throws -> [StoredSigningKey]
    /// Adds `key`; when it is the signing key, the previous signing key becomes verification-only, in the
    /// same transaction.
    func insertSigningKey(_ key: StoredSigningKey) async throws
    /// Returns whether a non-signing key with this id was retired.
    func retireSigningKey(kid: String) async throws -> Bool
}
