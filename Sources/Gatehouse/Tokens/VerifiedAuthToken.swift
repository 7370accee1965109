/// A token whose signature and claims were verified, with the id of the key that verified it.
public struct VerifiedAuthToken: Sendable, Equatable {
    public var claims: AuthTokenClaims
    public var kid: String
}
