import Foundation

/// The input rules for accounts. Every rule here is applied before anything is written.
public enum AccountValidation {
    /// Usernames are 3 to 16 characters of `a-z`, `0-9` and `_`; upper-case letters are accepted and
    /// folded, so that uniqueness is case-insensitive.
    public static func canonicalUsername(_ username: String) throws(AccountError) -> String {
        let folded = username.lowercased()
        let bytes = folded.utf8
        guard (3...16).contains(bytes.count),
            bytes.allSatisfy({ byte in
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "_")
            })
        else {
            throw AccountError.invalidRequest(.username)
        }
        return folded
    }

    /// E-mail addresses follow Powership's pattern (a local part, `@`, dot-separated labels ending in
    /// one of at least two characters), at most 254 bytes, no control or invisible formatting
    /// characters; stored lower-case in Unicode NFC, so that two spellings of one address that look
    /// the same (precomposed or combining accents) are one address for uniqueness.
    public static func canonicalEmail(_ email: String) throws(AccountError) -> String {
        let lowered = email.lowercased().precomposedStringWithCanonicalMapping
        guard lowered.utf8.count <= 254, isEmail(lowered) else {
            throw AccountError.invalidRequest(.email)
        }
        return lowered
    }

    /// Passwords are 7 to 200 UTF-16 code units after Unicode NFC normalisation, which is applied both
    /// when hashing and when verifying.
    public static func normalizedPassword(_ password: String) throws(AccountError) -> String {
        let normalized = normalize(password)
        guard (7...200).contains(normalized.utf16.count) else {
            throw AccountError.invalidRequest(.password)
        }
        return normalized
    }

    /// NFC normalisation, the same on both sides of a password check.
    public static func normalize(_ password: String) -> String {
        password.precomposedStringWithCanonicalMapping
    }

    /// Validates and canonicalises one extra contact.
    public static func canonicalContact(kind: ContactRecord.Kind, value: String) throws(AccountError) -> String {
        switch kind {
        case .email:
            return try canonicalEmail(value)
        case .phone:
            let digits = value.unicodeScalars.filter { ("0"..."9").contains($0) }.count
            let allowed = value.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || " +-().".unicodeScalars.contains($0) }
            guard allowed, (6...20).contains(digits), value.utf8.count <= 40 else {
                throw AccountError.invalidRequest(.phone)
            }
            return String(value.unicodeScalars.filter { ("0"..."9").contains($0) || $0 == "+" }.map(Character.init))
        case .custom:
            guard (1...200).contains(value.utf16.count), !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw AccountError.invalidRequest(.customContact)
            }
            return value
        }
    }

    private static let forbiddenInAtoms = Set("<>()[]\\.,;:@\"".unicodeScalars)

    private static func isAtom(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                !forbiddenInAtoms.contains(scalar) && !scalar.properties.isWhitespace && !isHidden(scalar)
            }
    }

    /// Control characters (C0, DEL and C1) and format characters (zero-width spaces and joiners,
    /// bidirectional overrides, the byte-order mark): invisible, so an address holding one looks like
    /// another account's address while being a different string.
    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format: true
        default: false
        }
    }

    private static func isEmail(_ email: String) -> Bool {
        guard let at = email.lastIndex(of: "@") else { return false }
        let local = email[..<at]
        let domain = email[email.index(after: at)...]
        let localValid: Bool
        if local.count >= 3, local.first == "\"", local.last == "\"" {
            localValid = !local.unicodeScalars.contains(where: isHidden)
        } else {
            localValid = local.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isAtom)
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard localValid, labels.count >= 2, labels.allSatisfy(isAtom), let last = labels.last else { return false }
        return last.count >= 2
    }
}
