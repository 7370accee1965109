import Foundation

/// The client data a browser collects for a ceremony (WebAuthn §5.8.1), read from the
/// `clientDataJSON` bytes it sends.
///
/// Signatures cover SHA-256 of exactly the bytes received, so they are kept in ``rawBytes``; members
/// WebAuthn does not define are ignored, as the specification requires of relying parties.
public struct CollectedClientData: Sendable, Equatable {
    /// The ceremony the data was collected for.
    public enum CeremonyType: String, Sendable, Hashable {
        /// A registration.
        case create = "webauthn.create"
        /// A login.
        case get = "webauthn.get"
    }

    /// Client data larger than this is refused before it is parsed; a browser's is a few hundred bytes.
    public static let maximumByteCount = 16_384

    /// The bytes parsed, exactly.
    public let rawBytes: [UInt8]
    /// `type`.
    public let type: CeremonyType
    /// `challenge`, decoded from base64url.
    public let challenge: [UInt8]
    /// `origin`: the page's origin, as the browser saw it.
    public let origin: String
    /// `crossOrigin`, when the browser sent it.
    public let crossOrigin: Bool?
    /// `topOrigin`, when the browser sent it (for a ceremony in a cross-origin frame).
    public let topOrigin: String?

    private struct Members: Decodable {
        var type: String
        var challenge: String
        var origin: String
        var crossOrigin: Bool?
        var topOrigin: String?
    }

    /// Parses `clientDataJSON`.
    public init(bytes: some Collection<UInt8>) throws(PasskeyDataError) {
        let bytes = Array(bytes)
        guard bytes.count <= Self.maximumByteCount else { throw .malformedClientData }
        // JSONDecoder is strict about types (a number is not a Bool, a Bool not a String) where
        // JSONSerialization's NSNumber bridging is not.
        let json = Data(bytes)
        guard let members = try? JSONDecoder().decode(Members.self, from: json) else { throw .malformedClientData }
        // JSONDecoder keeps the first of two members with one name, JSONSerialization the last. A
        // browser never writes a name twice; data that reads one way here and another way elsewhere is
        // refused rather than guessed at.
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            object["type"] as? String == members.type,
            object["challenge"] as? String == members.challenge,
            object["origin"] as? String == members.origin,
            object["crossOrigin"] as? Bool == members.crossOrigin,
            object["topOrigin"] as? String == members.topOrigin
        else { throw .malformedClientData }
        guard let type = CeremonyType(rawValue: members.type) else { throw .unsupportedClientDataType }
        guard let challenge = Base64URL.decode(members.challenge) else { throw .invalidChallengeEncoding }
        self.rawBytes = bytes
        self.type = type
        self.challenge = challenge
        self.origin = members.origin
        self.crossOrigin = members.crossOrigin
        self.topOrigin = members.topOrigin
    }
}
