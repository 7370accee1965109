import struct Foundation.Date

/// What a provider's token endpoint gave besides the ID token: the tokens an application uses to call
/// the provider's APIs on the person's behalf. Kept only for providers configured to keep them, and
/// then only sealed (see ``ProviderTokenVault``).
public struct ProviderTokens: Sendable, Equatable, Codable {
    public var accessToken: String?
    public var refreshToken: String?
    /// When ``accessToken`` expires, as the provider said (`expires_in`).
    public var expiresAt: Date?
    /// The scopes granted (`scope`).
    public var scope: String?

    public init(accessToken: String? = nil, refreshToken: String? = nil, expiresAt: Date? = nil, scope: String? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scope = scope
    }

    /// Whether there is anything to keep.
    public var isEmpty: Bool { accessToken == nil && refreshToken == nil }
}
