import Foundation
import Gatehouse
import Testing

/// The TOTP algorithm against RFC 6238's own test vectors, and base32 against RFC 4648's.
@Suite("TOTP and base32")
struct TOTPTests {
    /// RFC 6238 Appendix B, SHA-1 rows: the Unix time and the 8-digit code, whose last 6 digits are the
    /// 6-digit code (the truncation is modulo 10^digits).
    static let vectors: [(time: Int64, code: String)] = [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ]
    static let totp = TOTP(secret: Array("12345678901234567890".utf8))

    @Test("RFC 6238 SHA-1 test vectors, 6 digits", arguments: vectors)
    func rfcVector(time: Int64, code: String) {
        let step = TOTP.step(at: Date(timeIntervalSince1970: Double(time)))
        #expect(step == time / 30)
        #expect(Self.totp.code(step: step) == String(code.suffix(6)))
    }

    @Test("A code matches its own step and its neighbours, nothing further")
    func drift() {
        let now: Int64 = 1_234_567_890 / 30
        let code = Self.totp.code(step: now)
        #expect(Self.totp.matchingStep(of: code, around: now) == now)
        #expect(Self.totp.matchingStep(of: code, around: now + 1) == now)
        #expect(Self.totp.matchingStep(of: code, around: now - 1) == now)
        #expect(Self.totp.matchingStep(of: code, around: now + 2) == nil)
        #expect(Self.totp.matchingStep(of: code, around: now - 2) == nil)
    }

    @Test("Malformed codes never match", arguments: ["", "12345", "1234567", "12345a", " 12345", "１２３４５６", "-12345"])
    func malformed(code: String) {
        // Whatever the current codes are, none of these has the form of one.
        #expect(Self.totp.matchingStep(of: code, around: 41_152_263) == nil)
    }

    @Test("The provisioning URL is what authenticator apps read")
    func provisioningURL() {
        let url = TOTP(secret: Array("12345678901234567890".utf8)).provisioningURL(issuer: "Gatehouse Test", accountName: "ada")
        #expect(
            url
                == "otpauth://totp/Gatehouse%20Test:ada?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gatehouse%20Test&algorithm=SHA1&digits=6&period=30"
        )
    }

    @Test(
        "Base32 of RFC 4648's vectors, without padding, and back",
        arguments: [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
    )
    func base32(text: String, encoded: String) {
        #expect(Base32.encode(Array(text.utf8)) == encoded)
        #expect(Base32.decode(encoded) == Array(text.utf8))
        #expect(Base32.decode(encoded.lowercased()) == Array(text.utf8))
    }

    @Test("Base32 refuses characters outside its alphabet")
    func base32Refuses() {
        #expect(Base32.decode("MZXW1") == nil)
        #expect(Base32.decode("MZ-XW") == nil)
    }

    @Test("Recovery codes: ten, distinct, shown as xxxxx-xxxxx, digested the same however they are typed")
    func recoveryCodes() {
        let codes = RecoveryCodes.generate(random: SystemRandomSource())
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        for code in codes {
            #expect(code.count == 11)
            #expect(code.split(separator: "-").map(\.count) == [5, 5])
            #expect(code.allSatisfy { $0 == "-" || ("a"..."z").contains($0) || ("2"..."7").contains($0) })
        }
        let code = codes[0]
        #expect(RecoveryCodes.digest(code) == RecoveryCodes.digest(code.uppercased().replacingOccurrences(of: "-", with: " ")))
        #expect(RecoveryCodes.digest(code) != RecoveryCodes.digest(codes[1]))
    }
}
