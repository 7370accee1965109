/// Where a server keeps the signing keys it generated.
public protocol SigningKeyStore: Sendable {
    /// Every stored key, retired ones included.
    func signingKeys() async throws -> [StoredSigningKey]
    /// Adds `key`; when it is the signing key, the previous signing key becomes verification-only, in the
    /// same transaction, with the `audit` trail.
    func insertSigningKey(_ key: StoredSigningKey, audit: AuditTrail) async throws
    /// Returns whether a non-signing key with this id was retired; the `audit` trail is written with the
    /// retirement, only when there was one.
    func retireSigningKey(kid: String, audit: AuditTrail) async throws -> Bool
}
