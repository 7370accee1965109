import Crypto

/// The signature of a passkey login (WebAuthn §7.2, steps 19–21): the authenticator signs its
/// authenticator data followed by SHA-256 of the client data, with the credential's private key.
/// This is the one place that message is built and checked.
public enum PasskeyAssertionSignature {
    /// The signed message: `authenticatorData ‖ SHA-256(clientDataJSON)`.
    public static func signedMessage(authenticatorData: some Collection<UInt8>, clientDataJSON: some Collection<UInt8>) -> [UInt8] {
        var message = Array(authenticatorData)
        message.append(contentsOf: SHA256.hash(data: Array(clientDataJSON)))
        return message
    }

    /// Whether `signature` is `publicKey`'s signature over the message of `authenticatorData` and
    /// `clientData`. It checks the signature only; the challenge, origin, flags and counter are the
    /// ceremony's to check.
    public static func isValid(
        _ signature: [UInt8],
        publicKey: COSEKey,
        authenticatorData: AuthenticatorData,
        clientData: CollectedClientData
    ) -> Bool {
        let message = signedMessage(authenticatorData: authenticatorData.rawBytes, clientDataJSON: clientData.rawBytes)
        return publicKey.isValidSignature(signature, for: message)
    }
}
