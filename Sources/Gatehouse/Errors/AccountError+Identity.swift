extension AccountError {
    /// ``Code/identityVerificationFailed``, with the check the provider's answer failed: the login
    /// state, the authorization code, or one check of the ID token (``Detail/tokenSignature``,
    /// ``Detail/nonce``…). Kept apart from ``tokenVerificationFailed(_:)`` because the token was
    /// issued by someone else: the client must start the sign-in again rather than refresh a session.
    public static func identityVerificationFailed(_ detail: Detail? = nil) -> AccountError {
        AccountError(.identityVerificationFailed, detail)
    }
}
