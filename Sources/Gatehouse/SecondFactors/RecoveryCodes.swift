/// Single-use recovery codes: what gets a person with a second factor in when the authenticator is
/// lost. Ten per enrolment, each 10 base32 characters (50 random bits) shown as `abcde-fghij`, and
/// stored only as SHA-256 digests: with that much entropy a fast digest is safe, and a login can look a
/// code up by its digest.
public enum RecoveryCodes {
    /// Codes made per enrolment.
    public static let count = 10

    /// `count` new codes, as shown to the person.
    public static func generate(random: any RandomSource) -> [String] {
        (0..<count).map { _ in
            let characters = Array(Base32.encode(random.bytes(7)).lowercased().prefix(10))
            return String(characters[0..<5]) + "-" + String(characters[5..<10])
        }
    }

    /// The digest a code is stored and looked up by, of the code as typed: case, spaces and hyphens
    /// do not matter.
    public static func digest(_ code: String) -> [UInt8] {
        let normalized = code.lowercased().filter { $0 != "-" && $0 != " " }
        return SecretDigest.sha256(Array(normalized.utf8))
    }
}
