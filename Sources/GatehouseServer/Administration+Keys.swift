import Gatehouse

extension Administration {
    /// Every key kept in the database, oldest first, without secrets.
    public func signingKeys() async throws -> [SigningKeySummary] {
        try await store.signingKeys().sorted { $0.createdAt < $1.createdAt }.map(SigningKeySummary.init)
    }

    /// Generates a new signing key. The previous signing key stays as a verification key, so tokens it
    /// signed keep working; running servers pick the new key up on their next key refresh.
    /// Returns the new key and the one it replaces, if any.
    public func rotateSigningKey() async throws -> (new: SigningKeySummary, previous: SigningKeySummary?) {
        let previous = try await store.signingKeys().last { $0.isSigning && !$0.retired }
        let key = try await KeyBootstrap.generate(store: store, clock: clock, auditLog: auditLog, actor: .operator)
        return (SigningKeySummary(key), previous.map(SigningKeySummary.init))
    }

    /// Retires a verification-only key: tokens signed with it stop working on every server after its
    /// next key refresh. The signing key cannot be retired (rotate first).
    public func retireSigningKey(kid: String) async throws {
        let audit = auditLog.trail(.signingKeyRetired, accountID: nil, actor: .operator, details: ["kid": kid], at: clock.now(), random: random)
        guard try await !store.retireSigningKey(kid: kid, audit: audit) else { return }
        let key = try await store.signingKeys().first { $0.kid == kid }
        switch key {
        case nil:
            throw AccountError.invalidRequest(.unknownKeyID)
        case let key? where key.retired:
            throw AccountError.invalidRequest(.retiredKey)
        default:
            throw AccountError.invalidRequest(.signingKeyRetirement)
        }
    }
}
