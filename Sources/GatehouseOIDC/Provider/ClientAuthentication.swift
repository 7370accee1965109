import struct Foundation.Date

/// How Gatehouse authenticates itself to a provider's token endpoint (`client_secret_post`).
public enum ClientAuthentication: Sendable {
    /// A public client: PKCE alone.
    case none
    /// A client secret the provider issued.
    case secret(String)
    /// Sign in with Apple: a short-lived ES256 JWT signed with the developer's key, made for each
    /// exchange.
    case apple(AppleClientSecret)

    /// The `client_secret` to send at `date`, if any.
    func secret(at date: Date) -> String? {
        switch self {
        case .none: nil
        case .secret(let secret): secret
        case .apple(let signer): signer.make(at: date)
        }
    }
}
