import Crypto
import CryptoExtras
import Foundation
import Gatehouse
import GatehouseOIDC
import GatehouseVerifier
import Synchronization
import Testing

/// A private key of a made-up identity provider, with what a test needs: its JWK and its signatures.
enum TestKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    var algorithm: String {
        switch self {
        case .rsa: "RS256"
        case .p256: "ES256"
        case .ed25519: "EdDSA"
        }
    }

    func sign(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .rsa(let key):
            (try? key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)).map { Array($0.rawRepresentation) } ?? []
        case .p256(let key):
            (try? key.signature(for: data)).map { Array($0.rawRepresentation) } ?? []
        case .ed25519(let key):
            (try? key.signature(for: data)).map { Array($0) } ?? []
        }
    }

    /// The public key as a JWK object, with `extra` members added (or replacing).
    func jwk(kid: String?, _ extra: [String: String] = [:]) -> [String: Any] {
        var members: [String: Any] = ["use": "sig", "alg": algorithm]
        switch self {
        case .rsa(let key):
            let primitives = try? key.publicKey.getKeyPrimitives()
            members["kty"] = "RSA"
            members["n"] = encode(Array(primitives?.modulus ?? Data()))
            members["e"] = encode(Array(primitives?.publicExponent ?? Data()))
        case .p256(let key):
            let raw = Array(key.publicKey.rawRepresentation)
            members["kty"] = "EC"
            members["crv"] = "P-256"
            members["x"] = encode(raw[0..<32])
            members["y"] = encode(raw[32..<64])
        case .ed25519(let key):
            members["kty"] = "OKP"
            members["crv"] = "Ed25519"
            members["x"] = encode(Array(key.publicKey.rawRepresentation))
        }
        if let kid { members["kid"] = kid }
        for (name, value) in extra { members[name] = value }
        return members
    }
}

/// The provider every ID-token test talks to: its issuer, its client, its keys, and a clock standing
/// still at ``now``.
enum TestProvider {
    static let issuer = "https://id.example.test"
    static let clientID = "client-1"
    static let nonce = "n-0S6_WzA2Mj"
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static let rsa = TestKey.rsa(generateRSAKey())
    static let p256 = TestKey.p256(P256.Signing.PrivateKey())
    static let ed25519 = TestKey.ed25519(Curve25519.Signing.PrivateKey())
    /// A key the provider does not publish.
    static let stranger = TestKey.p256(P256.Signing.PrivateKey())

    private static func generateRSAKey() -> _RSA.Signing.PrivateKey {
        do {
            return try _RSA.Signing.PrivateKey(keySize: .bits2048)
        } catch {
            fatalError("cannot generate an RSA key: \(error)")
        }
    }

    /// The provider's JWKS: the three keys under `rsa-1`, `ec-1` and `ed-1`.
    static func keySet(_ keys: [[String: Any]]? = nil) -> Data {
        let keys = keys ?? [rsa.jwk(kid: "rsa-1"), p256.jwk(kid: "ec-1"), ed25519.jwk(kid: "ed-1")]
        return json(["keys": keys])
    }

    /// The claims of a good token for ``clientID`` at ``now``.
    static func claims(_ changes: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer,
            "sub": "user-123",
            "aud": clientID,
            "iat": now.timeIntervalSince1970,
            "exp": now.timeIntervalSince1970 + 600,
            "nonce": nonce,
            "email": "ada@example.test",
            "email_verified": true,
            "name": "Ada Lovelace",
        ]
        for (name, value) in changes { claims[name] = value }
        return claims
    }

    /// A compact JWS of `payload` with `header` (default: the key's `alg` and `kid`), signed by `key`.
    static func token(key: TestKey = rsa, kid: String? = "rsa-1", header: [String: Any]? = nil, payload: [UInt8]) -> String {
        var defaultHeader: [String: Any] = ["alg": key.algorithm, "typ": "JWT"]
        if let kid { defaultHeader["kid"] = kid }
        let signed = encode(json(header ?? defaultHeader)) + "." + encode(payload)
        return signed + "." + encode(key.sign(Array(signed.utf8)))
    }

    /// A token with ``claims(_:)`` changed by `changes`.
    static func token(key: TestKey = rsa, kid: String? = "rsa-1", header: [String: Any]? = nil, claims changes: [String: Any?] = [:]) -> String {
        token(key: key, kid: kid, header: header, payload: Array(json(claims(changes))))
    }

    /// What the tests expect of a token: ``issuer``, ``clientID``, ``nonce``, ``now``.
    static func expectations(
        nonce: IDTokenExpectations.NonceRule = .mustEqual(nonce),
        audiences: Set<String> = [clientID]
    )
        -> IDTokenExpectations
    {
        IDTokenExpectations(issuer: issuer, audiences: audiences, nonce: nonce, now: now)
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}

/// Unpadded base64url, written out here so the tests do not check the code with itself.
func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// The inverse of ``encode(_:)``.
func decode(_ text: some StringProtocol) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    return Data(base64Encoded: base64)
}

/// A key-set source serving a document the test can change, counting fetches; fetches yield a few
/// times so that concurrent callers really overlap.
final class CountingKeySetSource: KeySetSource {
    private struct State {
        var document: Data
        var failing = false
        var fetches = 0
    }

    private let state: Mutex<State>

    init(_ document: Data = TestProvider.keySet()) {
        state = Mutex(State(document: document))
    }

    var fetches: Int { state.withLock { $0.fetches } }

    var document: Data {
        get { state.withLock { $0.document } }
        set { state.withLock { $0.document = newValue } }
    }

    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    func fetchKeySet() async throws -> Data {
        let (document, failing) = state.withLock { state in
            state.fetches += 1
            return (state.document, state.failing)
        }
        for _ in 0..<10 { await Task.yield() }
        if failing { throw KeySetUnavailable(reason: "the provider is down") }
        return document
    }
}

/// Expects `body` to throw an `AccountError` with `code` and `detail`.
func expectError(
    _ code: AccountError.Code,
    _ detail: AccountError.Detail?,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("accepted; expected \(code) \(detail?.rawValue ?? "")", sourceLocation: sourceLocation)
    } catch let error as AccountError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.detail == detail, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to be refused as `IdentityVerificationFailed` with `detail`.
func expectRefusal(_ detail: AccountError.Detail, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    await expectError(.identityVerificationFailed, detail, sourceLocation: sourceLocation, body)
}
