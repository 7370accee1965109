import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) the way authenticator apps make them: HMAC-SHA-1, 6 digits,
/// 30-second steps from the Unix epoch.
public struct TOTP: Sendable {
    /// Digits in a code.
    public static let digits = 6
    /// Seconds in a time step.
    public static let period: Int64 = 30
    /// Bytes of a new secret: 160 bits, the size of an HMAC-SHA-1 key (RFC 4226 recommends it).
    public static let secretByteCount = 20

    public let secret: [UInt8]

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// The time step `date` falls in.
    public static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down))
    }

    /// The code of time step `step`, zero-padded to ``digits``.
    public func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        // Dynamic truncation (RFC 4226 §5.3).
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let value = binary % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: Self.digits - text.count) + text
    }

    /// The time step among `step - drift … step + drift` whose code `code` is, compared in constant
    /// time; `nil` when none. Only codes of exactly ``digits`` ASCII digits are considered.
    public func matchingStep(of code: String, around step: Int64, drift: Int64 = 1) -> Int64? {
        let presented = Array(code.utf8)
        guard presented.count == Self.digits, presented.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        var match: Int64?
        // Every candidate is computed and compared, so the time taken does not say which one matched.
        for candidate in (step - drift)...(step + drift) where SecretDigest.constantTimeEquals(Array(self.code(step: candidate).utf8), presented) {
            match = match ?? candidate
        }
        return match
    }

    /// The `otpauth://` URL authenticator apps read (from a QR code): the secret in base32, the issuer
    /// as the label's prefix and as a parameter, and the algorithm, digits and period spelled out. The
    /// label's colon is left as it is: every app reads that, not all read it percent-encoded.
    public func provisioningURL(issuer: String, accountName: String) -> String {
        let label = Self.escape(issuer) + ":" + Self.escape(accountName)
        return
            "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(Self.escape(issuer))&algorithm=SHA1&digits=\(Self.digits)&period=\(Self.period)"
    }

    /// The unreserved characters of RFC 3986: everything else in a label or a parameter is percent-encoded.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func escape(_ text: String) -> String {
        // Every character outside the set is encodable, so this never fails.
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
