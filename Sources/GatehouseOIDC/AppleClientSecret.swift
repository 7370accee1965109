import Crypto
import Foundation
@_spi(Fuzzing) import Gatehouse

/// The client secret Sign in with Apple wants at its token endpoint: not a fixed string but a short
/// ES256 JWT signed with the team's private key (Apple's `.p8` file), remade before each expires.
///
/// Header `{"alg":"ES256","kid":KEY_ID}`, claims `{"iss":TEAM_ID,"iat","exp","aud":
/// "https://appleid.apple.com","sub":CLIENT_ID}`.
public struct AppleClientSecret: Sendable {
    /// The Apple Developer team id: the secret's `iss`.
    public let teamID: String
    /// The id of the key in the developer account: the header's `kid`, which tells Apple which public
    /// key checks the secret.
    public let keyID: String
    /// The Services ID (or bundle id) the secret is for: its `sub`.
    public let clientID: String
    private let privateKey: P256.Signing.PrivateKey

    /// The `aud` Apple requires.
    public static let audience = "https://appleid.apple.com"
    /// The longest lifetime Apple accepts: six months.
    public static let maximumLifetime: Duration = .seconds(15_777_000)

    /// - Parameters:
    ///   - teamID: The developer team's id: the secret's `iss`.
    ///   - keyID: The key's id in the developer account: the header's `kid`.
    ///   - clientID: The Services ID (or bundle id) the secret is for: its `sub`.
    ///   - privateKeyPEM: The `.p8` file's text, a PKCS#8 `BEGIN PRIVATE KEY` PEM of a P-256 key.
    /// - Throws: `AccountError.Code.invalidConfiguration` for an empty id (detail
    ///   `AccountError.Detail.keyID` for the key id) or a key that is not a P-256 private key; the
    ///   error never carries the key.
    public init(teamID: String, keyID: String, clientID: String, privateKeyPEM: String) throws(AccountError) {
        guard Self.isValidIdentifier(keyID) else { throw AccountError.invalidConfiguration(.keyID) }
        guard Self.isValidIdentifier(teamID), Self.isValidIdentifier(clientID) else { throw AccountError.invalidConfiguration() }
        guard let privateKey = try? P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM) else {
            throw AccountError.invalidConfiguration(.secret)
        }
        self.teamID = teamID
        self.keyID = keyID
        self.clientID = clientID
        self.privateKey = privateKey
    }

    /// A secret issued at `date` (seconds, rounded down) that expires `lifetime` later (1 second to
    /// ``maximumLifetime``). Apple accepts it until it expires, so one secret can serve many logins.
    public func make(at date: Date, lifetime: Duration = .seconds(3600)) -> String {
        let issuedAt = Int64(date.timeIntervalSince1970.rounded(.down))
        let seconds = min(max(lifetime.components.seconds, 1), Self.maximumLifetime.components.seconds)
        var header = Array(#"{"alg":"ES256","kid":"#.utf8)
        JSONStringLiteral.append(keyID, to: &header)
        header.append(contentsOf: #","typ":"JWT"}"#.utf8)
        var claims = Array(#"{"iss":"#.utf8)
        JSONStringLiteral.append(teamID, to: &claims)
        claims.append(contentsOf: #","iat":\#(issuedAt),"exp":\#(issuedAt + seconds),"aud":"#.utf8)
        JSONStringLiteral.append(Self.audience, to: &claims)
        claims.append(contentsOf: #","sub":"#.utf8)
        JSONStringLiteral.append(clientID, to: &claims)
        claims.append(UInt8(ascii: "}"))

        let signed = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        // P-256 signing cannot fail for a valid key; were it to, the secret would carry an empty
        // signature, which Apple refuses like any wrong secret.
        let signature = (try? privateKey.signature(for: Array(signed.utf8))).map { Array($0.rawRepresentation) } ?? []
        return signed + "." + Base64URL.encode(signature)
    }

    /// 1 to 255 printable ASCII characters: Apple's ids are short alphanumeric strings, and anything
    /// else is a configuration mistake worth reporting at start-up rather than at the first login.
    private static func isValidIdentifier(_ text: String) -> Bool {
        (1...255).contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
