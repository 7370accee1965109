import struct Foundation.Date

/// A passkey (WebAuthn public-key credential) registered to an account, as stored.
///
/// The store keeps the authenticator's credential id and COSE public key as opaque bytes; the
/// ``signCount`` is what the authenticator last reported, so that a cloned authenticator, whose counter
/// lags, is refused.
public struct PasskeyRecord: Sendable, Equatable {
    /// Gatehouse's own id for the passkey (a ULID), used by the API.
    public var id: String
    public var accountID: String
    /// The authenticator's credential id (at most 1,023 bytes), unique across the store.
    public var credentialID: [UInt8]
    /// The credential public key, as the COSE_Key bytes the authenticator attested.
    public var publicKey: [UInt8]
    /// The signature counter the authenticator last reported; 0 for one that does not count.
    public var signCount: UInt32
    /// A name the account holder recognises it by.
    public var name: String
    public var createdAt: Date
    /// When it last completed a login or a reauthentication.
    public var lastUsedAt: Date?

    public init(
        id: String,
        accountID: String,
        credentialID: [UInt8],
        publicKey: [UInt8],
        signCount: UInt32,
        name: String,
        createdAt: Date,
        lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.credentialID = credentialID
        self.publicKey = publicKey
        self.signCount = signCount
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    /// Whether an authenticator reporting `newCount` after ``signCount`` keeps the WebAuthn rule: a
    /// counter, once either value is non-zero, only grows. Two zeros are an authenticator that does not
    /// count (most synced passkeys).
    public func acceptsSignCount(_ newCount: UInt32) -> Bool {
        (newCount == 0 && signCount == 0) || newCount > signCount
    }
}
