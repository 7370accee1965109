import AsyncHTTPClient
import Foundation
import Gatehouse
import GatehouseVerifier
import Logging
import Synchronization

/// A configured OpenID Connect provider at work: its metadata (discovered on first use and kept), its
/// signing keys (cached, fetched again for an unknown key id), the authorization request, the code
/// exchange and the ID token check.
///
/// ```swift
/// let google = IdentityProvider(configuration: .init(
///     name: "google", issuer: "https://accounts.google.com", preset: .google,
///     clientID: id, clientAuthentication: .secret(secret)))
/// let identity = try await google.verify(idToken: token, nonce: .mustEqual(nonce))
/// ```
public final class IdentityProvider: Sendable {
    public let configuration: IdentityProviderConfiguration
    private let http: ProviderHTTP
    private let clock: any WallClock
    private let discovered: DiscoveredMetadata
    private let verifier: IDTokenVerifier

    public init(configuration: IdentityProviderConfiguration, httpClient: HTTPClient = .shared, clock: any WallClock = SystemWallClock()) {
        self.configuration = configuration
        self.clock = clock
        let http = ProviderHTTP(client: httpClient)
        self.http = http
        let discovered = DiscoveredMetadata(configuration: configuration, http: http)
        self.discovered = discovered
        let keys = ProviderKeyCache(source: DiscoveredKeySetSource(metadata: discovered, client: httpClient), clock: clock)
        self.verifier = IDTokenVerifier(keys: keys)
    }

    public var name: String { configuration.name }

    /// The provider's metadata, fetched once; its `issuer` must be the configured one.
    public func metadata() async throws -> ProviderMetadata {
        try await discovered.value()
    }

    /// Where to send the browser: the authorization code request with PKCE (S256), `state` and `nonce`.
    public func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) async throws -> String {
        let endpoint = try await metadata().authorizationEndpoint
        var fields = [
            ("response_type", "code"),
            ("client_id", configuration.clientID),
            ("redirect_uri", redirectURI),
            ("scope", configuration.scopes.joined(separator: " ")),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", codeChallenge),
            ("code_challenge_method", "S256"),
        ]
        if configuration.usesFormPost { fields.append(("response_mode", "form_post")) }
        return endpoint + (endpoint.contains("?") ? "&" : "?") + FormEncoding.encode(fields)
    }

    /// Exchanges an authorization code for the ID token (and the provider's own tokens) it stands for.
    /// A code the provider refuses
    /// (unknown, used, expired, another verifier) is `AccountError.Code.identityVerificationFailed`
    /// (`AccountError.Detail.authorizationCode`); a provider that refuses Gatehouse itself, or cannot
    /// be reached, is `AccountError.Code.providerUnavailable`.
    public func exchange(code: String, redirectURI: String, codeVerifier: String, logger: Logger) async throws -> CodeExchange {
        let endpoint = try await metadata().tokenEndpoint
        var fields = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirectURI),
            ("client_id", configuration.clientID),
            ("code_verifier", codeVerifier),
        ]
        if let secret = configuration.clientAuthentication.secret(at: clock.now()) { fields.append(("client_secret", secret)) }
        let (status, body) = try await http.postForm(fields, to: endpoint)
        let answer = try? JSONDecoder().decode(TokenEndpointAnswer.self, from: body)
        if status == 200, let answer, let idToken = answer.idToken {
            let tokens = ProviderTokens(
                accessToken: answer.accessToken,
                refreshToken: answer.refreshToken,
                expiresAt: answer.expiresIn.map { clock.now().addingTimeInterval(TimeInterval($0)) },
                scope: answer.scope
            )
            return CodeExchange(idToken: idToken, tokens: tokens)
        }
        if status == 400, answer?.error == "invalid_grant" { throw AccountError.identityVerificationFailed(.authorizationCode) }
        logger.error(
            "the identity provider refused the code exchange",
            metadata: ["gatehouse.provider": "\(name)", "gatehouse.status": "\(status)", "gatehouse.provider_error": "\(answer?.error ?? "-")"]
        )
        throw AccountError.providerUnavailable()
    }

    /// Checks an ID token — signature, issuer, audience, expiry, nonce — and says whom it names.
    public func verify(idToken: String, nonce: IDTokenExpectations.NonceRule) async throws -> ProviderIdentity {
        let expectations = IDTokenExpectations(issuer: configuration.issuer, audiences: configuration.audiences, nonce: nonce, now: clock.now())
        let claims = try await verifier.verify(idToken, expecting: expectations)
        return ProviderIdentity(
            provider: name,
            issuer: claims.issuer,
            subject: claims.subject,
            email: claims.email,
            emailVerified: claims.emailVerified,
            preferredUsername: claims.preferredUsername,
            name: claims.name ?? [claims.givenName, claims.familyName].compactMap { $0 }.joined(separator: " ")
        )
    }
}

/// The token endpoint's answer, as far as Gatehouse reads it.
private struct TokenEndpointAnswer: Decodable {
    var idToken: String?
    var accessToken: String?
    var refreshToken: String?
    var expiresIn: Int?
    var scope: String?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case idToken = "id_token"
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case expiresIn = "expires_in"
        case scope
        case error
    }
}

/// What an authorization code was exchanged for.
public struct CodeExchange: Sendable {
    /// The ID token, still to be verified.
    public var idToken: String
    /// The provider's own tokens, for a provider whose tokens are kept.
    public var tokens: ProviderTokens
}

/// The discovery document, fetched on first use and kept; a failed fetch is tried again next time.
final class DiscoveredMetadata: Sendable {
    private let configuration: IdentityProviderConfiguration
    private let http: ProviderHTTP
    private let cached = Mutex<ProviderMetadata?>(nil)

    init(configuration: IdentityProviderConfiguration, http: ProviderHTTP) {
        self.configuration = configuration
        self.http = http
    }

    func value() async throws -> ProviderMetadata {
        if let metadata = cached.withLock({ $0 }) { return metadata }
        let metadata = try await http.getJSON(ProviderMetadata.self, from: configuration.discoveryURL)
        // A document naming another issuer would make every ID token check fail, or pass for the wrong one.
        guard metadata.issuer == configuration.issuer else { throw AccountError.providerUnavailable() }
        cached.withLock { $0 = metadata }
        return metadata
    }
}

/// The provider's JWKS, at the address its metadata gives.
struct DiscoveredKeySetSource: KeySetSource {
    let metadata: DiscoveredMetadata
    let client: HTTPClient

    func fetchKeySet() async throws -> Data {
        let url = try await metadata.value().jwksURI
        return try await HTTPKeySetSource(url: url, client: client).fetchKeySet()
    }
}
