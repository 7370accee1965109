import Gatehouse
import GatehouseOIDC
import GatehouseTesting
import Testing

@Suite("PKCE: S256 verifiers and challenges")
struct PKCETests {
    /// The 32 octets of RFC 7636 Appendix B.
    struct AppendixBOctets: RandomSource {
        func bytes(_ count: Int) -> [UInt8] {
            [
                116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
                22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
            ]
        }
    }

    @Test("the RFC 7636 Appendix B example")
    func rfcVector() {
        let verifier = PKCE.makeVerifier(random: AppendixBOctets())
        #expect(verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(PKCE.challenge(for: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test("a verifier is 43 unreserved characters, different each time")
    func verifier() {
        let random = SeededRandomSource(seed: 7)
        let first = PKCE.makeVerifier(random: random)
        let second = PKCE.makeVerifier(random: random)
        #expect(first.count == 43)
        #expect(
            first.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
        )
        #expect(first != second)
        #expect(PKCE.challenge(for: first).count == 43)
    }
}
