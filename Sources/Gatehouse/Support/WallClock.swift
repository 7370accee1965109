import struct Foundation.Date

/// The source of "now" for everything time-dependent: token `iat`/`exp`, idle and absolute expiry,
/// the rotation grace period. Injected so that expiry and rotation are tested without sleeping.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}
