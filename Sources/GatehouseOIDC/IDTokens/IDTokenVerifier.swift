import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse

/// Checks an identity provider's ID token (OpenID Connect Core §3.1.3.7) and returns what it says.
///
/// The checks run in a fixed order — shape, header, key, signature, then the claims — and the first
/// that fails decides the error: `AccountError.Code.identityVerificationFailed` with a detail naming
/// the check (`AccountError.Detail.tokenMalformed`, `AccountError.Detail.tokenHeader`,
/// `AccountError.Detail.unknownKey`, `AccountError.Detail.tokenSignature`,
/// `AccountError.Detail.tokenIssuer`, `AccountError.Detail.tokenAudience`,
/// `AccountError.Detail.authorizedParty`, `AccountError.Detail.tokenExpired`,
/// `AccountError.Detail.tokenNotYetValid`, `AccountError.Detail.nonce`,
/// `AccountError.Detail.tokenClaims`). No claim is read before the signature is checked, and no
/// error or log line carries the token.
///
/// ```swift
/// let verifier = IDTokenVerifier(keys: ProviderKeyCache(source: HTTPKeySetSource(url: jwksURI)))
/// let claims = try await verifier.verify(idToken, expecting: IDTokenExpectations(
///     issuer: "https://accounts.google.com", audiences: [clientID],
///     nonce: .mustEqual(nonce), now: Date()))
/// ```
public struct IDTokenVerifier: Sendable {
    /// The provider's keys.
    public let keys: ProviderKeyCache
    /// Tokens longer than this (UTF-8 bytes) are refused before any decoding. Default 16 KiB.
    public var maximumTokenLength: Int

    public init(keys: ProviderKeyCache, maximumTokenLength: Int = 16 * 1024) {
        self.keys = keys
        self.maximumTokenLength = maximumTokenLength
    }

    /// Verifies `token` against `expectations` and returns its claims.
    ///
    /// - Throws: `AccountError.Code.identityVerificationFailed` with the failed check as its detail;
    ///   `AccountError.Code.providerUnavailable` when the provider's keys could never be fetched.
    public func verify(_ token: String, expecting expectations: IDTokenExpectations) async throws(AccountError) -> IDTokenClaims {
        let parsed = try ParsedToken(token, maximumLength: maximumTokenLength)
        let key = try await keys.key(for: parsed.kid, algorithm: parsed.algorithm)
        guard key.isValidSignature(parsed.signature, for: parsed.signedPart) else {
            throw AccountError.identityVerificationFailed(.tokenSignature)
        }
        let payload: IDTokenClaims.Payload
        do {
            payload = try JSONDecoder().decode(IDTokenClaims.Payload.self, from: Data(parsed.payload))
        } catch {
            throw AccountError.identityVerificationFailed(.tokenMalformed)
        }
        return try Self.check(payload, against: expectations)
    }

    /// The claim checks, in order; the signature has been checked.
    private static func check(_ payload: IDTokenClaims.Payload, against expectations: IDTokenExpectations) throws(AccountError) -> IDTokenClaims {
        guard let issuer = payload.issuer.value, issuer == expectations.issuer else {
            throw AccountError.identityVerificationFailed(.tokenIssuer)
        }
        guard let audiences = payload.audiences.value, audiences.contains(where: expectations.audiences.contains) else {
            throw AccountError.identityVerificationFailed(.tokenAudience)
        }
        switch payload.authorizedParty {
        case .invalid:
            throw AccountError.identityVerificationFailed(.authorizedParty)
        case .absent:
            // With several audiences, only `azp` says which client asked for the token.
            if Set(audiences).count > 1 { throw AccountError.identityVerificationFailed(.authorizedParty) }
        case .value(let party):
            guard expectations.audiences.contains(party) else { throw AccountError.identityVerificationFailed(.authorizedParty) }
        }

        let leeway = seconds(expectations.leeway)
        let now = expectations.now
        guard case .value(let expiresAt) = payload.expiresAt else { throw AccountError.identityVerificationFailed(.tokenClaims) }
        guard now < expiresAt.addingTimeInterval(leeway) else { throw AccountError.identityVerificationFailed(.tokenExpired) }
        let horizon = now.addingTimeInterval(leeway)
        if case .invalid = payload.issuedAt { throw AccountError.identityVerificationFailed(.tokenClaims) }
        if let issuedAt = payload.issuedAt.value, issuedAt > horizon { throw AccountError.identityVerificationFailed(.tokenNotYetValid) }
        switch payload.notBefore {
        case .invalid: throw AccountError.identityVerificationFailed(.tokenClaims)
        case .value(let notBefore) where notBefore > horizon: throw AccountError.identityVerificationFailed(.tokenNotYetValid)
        default: break
        }
        if let maximumLifetime = expectations.maximumLifetime, let issuedAt = payload.issuedAt.value,
            expiresAt.timeIntervalSince(issuedAt) > seconds(maximumLifetime)
        {
            throw AccountError.identityVerificationFailed(.tokenClaims)
        }

        switch (expectations.nonce, payload.nonce) {
        case (.mustBeAbsent, .absent):
            break
        case (.mustEqual(let expected), .value(let nonce)) where SecretDigest.constantTimeEquals(expected, nonce):
            break
        case (.mustEqualOrDigest(let expected), .value(let nonce))
        where SecretDigest.constantTimeEquals(expected, nonce) || SecretDigest.constantTimeEquals(Self.hexDigest(expected), nonce):
            break
        default:
            throw AccountError.identityVerificationFailed(.nonce)
        }

        guard let subject = payload.subject.value, (1...255).contains(subject.utf8.count) else {
            throw AccountError.identityVerificationFailed(.tokenClaims)
        }
        return IDTokenClaims(
            issuer: issuer,
            subject: subject,
            audiences: audiences,
            expiresAt: expiresAt,
            issuedAt: payload.issuedAt.value,
            nonce: payload.nonce.value,
            authorizedParty: payload.authorizedParty.value,
            email: payload.email,
            emailVerified: payload.emailVerified,
            name: payload.name,
            preferredUsername: payload.preferredUsername,
            givenName: payload.givenName,
            familyName: payload.familyName
        )
    }

    /// SHA-256 of `text` in lower-case hex.
    static func hexDigest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}

/// A compact JWS whose shape and header are acceptable, not yet authenticated.
private struct ParsedToken {
    let algorithm: ProviderKey.Algorithm
    let kid: String?
    /// `header.payload`, the bytes the signature covers.
    let signedPart: ArraySlice<UInt8>
    let payload: [UInt8]
    let signature: [UInt8]

    init(_ token: String, maximumLength: Int) throws(AccountError) {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumLength else { throw AccountError.identityVerificationFailed(.tokenMalformed) }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false)
        // An empty signature is let through to the header check, so that `alg: none` is refused as
        // the header it is; no key accepts an empty signature.
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            let header = Base64URL.decode(parts[0]),
            let payload = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw AccountError.identityVerificationFailed(.tokenMalformed) }
        let fields: Header
        do {
            fields = try JSONDecoder().decode(Header.self, from: Data(header))
        } catch {
            throw AccountError.identityVerificationFailed(.tokenMalformed)
        }
        guard let name = fields.algorithm, let algorithm = ProviderKey.Algorithm(rawValue: name), fields.isAcceptable else {
            throw AccountError.identityVerificationFailed(.tokenHeader)
        }
        self.algorithm = algorithm
        self.kid = fields.kid
        self.signedPart = bytes[0..<parts[1].endIndex]
        self.payload = payload
        self.signature = signature
    }

    /// The header members that decide how the token is checked.
    private struct Header: Decodable {
        var algorithm: String?
        var kid: String?
        var isAcceptable = true

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            algorithm = try? container.decode(String.self, forKey: .algorithm)
            if container.contains(.kid) {
                kid = try? container.decode(String.self, forKey: .kid)
                // Not a string, or no key id a set may hold.
                if kid.map({ (1...ProviderKey.maximumKeyIDLength).contains($0.utf8.count) }) != true { isAcceptable = false }
            }
            // Extensions the token says must be understood: Gatehouse understands none.
            if container.contains(.critical) { isAcceptable = false }
            // An explicitly typed other kind of JWT (`at+jwt`, `logout+jwt`) signed with the same key
            // is not an ID token.
            if container.contains(.type) {
                let type = try? container.decode(String.self, forKey: .type)
                if type.map({ !$0.lowercased().hasSuffix("+jwt") }) != true { isAcceptable = false }
            }
        }

        enum CodingKeys: String, CodingKey {
            case algorithm = "alg"
            case kid
            case critical = "crit"
            case type = "typ"
        }
    }
}
