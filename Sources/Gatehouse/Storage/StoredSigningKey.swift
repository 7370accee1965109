import struct Foundation.Date

/// A signing key kept in the database (for servers that generate their own key on first start).
public struct StoredSigningKey: Sendable, Equatable {
    public var kid: String
    public var secret: [UInt8]
    public var createdAt: Date
    /// The key that signs new tokens; the others only verify.
    public var isSigning: Bool
    /// Retired keys no longer verify anything but are kept for the record.
    public var retired: Bool

    public init(kid: String, secret: [UInt8], createdAt: Date, isSigning: Bool, retired: Bool = false) {
        self.kid = kid
        self.secret = secret
        self.createdAt = createdAt
        self.isSigning = isSigning
        self.retired = retired
    }
}
