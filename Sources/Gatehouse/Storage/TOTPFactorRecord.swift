import struct Foundation.Date

/// An account's TOTP second factor as stored: the shared secret sealed by the caller (the store keeps
/// opaque bytes), and the last time step a code was accepted for, so that no code works twice.
///
/// A factor is pending from ``createdAt`` until a first code confirms it (``confirmedAt``); only a
/// confirmed factor is asked for at login.
public struct TOTPFactorRecord: Sendable, Equatable {
    public var accountID: String
    /// The secret, sealed (see `SealingKey`).
    public var sealedSecret: [UInt8]
    public var createdAt: Date
    /// When a first code confirmed the factor; `nil` while it is pending.
    public var confirmedAt: Date?
    /// The time step of the last accepted code (Unix time / 30 s); 0 before any.
    public var lastUsedStep: Int64

    public init(accountID: String, sealedSecret: [UInt8], createdAt: Date, confirmedAt: Date? = nil, lastUsedStep: Int64 = 0) {
        self.accountID = accountID
        self.sealedSecret = sealedSecret
        self.createdAt = createdAt
        self.confirmedAt = confirmedAt
        self.lastUsedStep = lastUsedStep
    }
}
