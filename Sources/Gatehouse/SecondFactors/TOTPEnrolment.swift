/// A TOTP factor being set up: what the person puts in the authenticator app. It does nothing until a
/// first code from the app confirms it (``Accounts/confirmTOTP(session:code:client:logger:)``).
public struct TOTPEnrolment: Sendable, Equatable {
    /// The shared secret in base32, for typing in by hand.
    public var secret: String
    /// The `otpauth://` URL, for a QR code.
    public var provisioningURL: String

    public init(secret: String, provisioningURL: String) {
        self.secret = secret
        self.provisioningURL = provisioningURL
    }
}
