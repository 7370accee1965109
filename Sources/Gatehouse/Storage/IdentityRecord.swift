import struct Foundation.Date

/// An account's identity at an OpenID Connect provider: the pair (issuer, subject), unique across the
/// store, linked to exactly one account.
public struct IdentityRecord: Sendable, Equatable, Codable {
    /// ULID.
    public var id: String
    public var accountID: String
    /// The configured name of the provider it was linked through (`google`, `apple`): for display and
    /// for the `Continue with …` buttons; the identity itself is ``issuer`` and ``subject``.
    public var provider: String
    /// The provider's issuer identifier (`iss`), exactly as its ID tokens carry it.
    public var issuer: String
    /// The provider's stable identifier of the person (`sub`).
    public var subject: String
    /// The e-mail address the provider vouched for when the identity was linked (canonical), if any.
    public var email: String?
    public var createdAt: Date

    public init(id: String, accountID: String, provider: String, issuer: String, subject: String, email: String? = nil, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.provider = provider
        self.issuer = issuer
        self.subject = subject
        self.email = email
        self.createdAt = createdAt
    }
}
