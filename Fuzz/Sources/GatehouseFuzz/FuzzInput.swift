/// One fuzzer input: its first byte picks what the rest is fed to, so the fuzzer can keep the
/// structure of each kind of input in its corpus instead of rediscovering it.
///
/// Every target checks properties, not only the absence of crashes: a violated property stops the
/// process (`preconditionFailure`), which libFuzzer reports as a crash and saves the input.
enum FuzzInput {
    enum Target: UInt8, CaseIterable {
        /// A whole compact token, verified with the fuzzing key.
        case token = 0
        /// A token payload (JSON), signed with the fuzzing key, then verified.
        case signedPayload = 1
        /// A token header (JSON), signed with the fuzzing key, then parsed and verified.
        case signedHeader = 2
        /// The strict flat-JSON reader, against Foundation's JSON parser.
        case flatJSON = 3
        /// base64url decoding and encoding.
        case base64URL = 4
        /// `Authorization`, `Cookie`, `Origin` and `X-Forwarded-For` values.
        case headers = 5
        /// The JSON bodies of sign-up and login, and the input rules behind them.
        case bodies = 6
        /// A whole compact access token, verified with the fuzzing Ed25519 key.
        case accessToken = 7
        /// An access-token payload (JSON), signed with the fuzzing Ed25519 key, then verified.
        case signedAccessPayload = 8
        /// A JWKS document, as a verifier downstream reads it.
        case keySet = 9
        /// CBOR, then a COSE key and an attestation object: the passkey reader's CBOR documents.
        case cbor = 10
        /// WebAuthn authenticator data and client data JSON.
        case webAuthn = 11
    }

    static func run(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        guard let data, size > 0 else { return }
        let bytes = Array(UnsafeBufferPointer(start: data, count: size))
        run(bytes)
    }

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let rest = Array(bytes.dropFirst())
        switch Target(rawValue: selector % UInt8(Target.allCases.count))! {
        case .token: TokenProperties.rawToken(rest)
        case .signedPayload: TokenProperties.signedPayload(rest)
        case .signedHeader: TokenProperties.signedHeader(rest)
        case .flatJSON: EncodingProperties.flatJSON(rest)
        case .base64URL: EncodingProperties.base64URL(rest)
        case .headers: HeaderProperties.headers(rest)
        case .bodies: BodyProperties.bodies(rest)
        case .accessToken: AccessTokenProperties.rawToken(rest)
        case .signedAccessPayload: AccessTokenProperties.signedPayload(rest)
        case .keySet: AccessTokenProperties.keySet(rest)
        case .cbor: PasskeyProperties.cbor(rest)
        case .webAuthn: PasskeyProperties.webAuthn(rest)
        }
    }
}
