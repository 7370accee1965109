import Synchronization

/// The commonly used passwords that Gatehouse refuses as new passwords.
///
/// NIST SP 800-63B asks that a new password be checked against a list of values known to be
/// commonly used, expected or compromised. Gatehouse ships such a list inside this module, so the
/// check works in any binary, with no resource bundle and no network: 30,000 of the most common
/// passwords of Mark Burnett's ten-million-password corpus, most common first, as ranked by zxcvbn
/// (the source, the licence, what zxcvbn left out and how the list was made are at the top of
/// `CommonPasswords+List.swift`).
///
/// The list is parsed into a set on the first lookup, once per process, however many tasks look
/// up at the same time; every lookup after that is one hash-set probe, cheap enough for every
/// request.
///
/// ```swift
/// CommonPasswords.contains("Password1")   // true
/// CommonPasswords.contains("correct horse battery staple")   // false
/// ```
///
/// ``PasswordPolicy`` uses it to refuse new passwords; existing passwords are never checked
/// against it.
public enum CommonPasswords {
    /// Whether `password` is on the list.
    ///
    /// The comparison ignores case and Unicode normalisation: `password` is put in NFC and
    /// lower-cased before the lookup, as every entry of the list is. Surrounding whitespace is kept;
    /// ``PasswordPolicy/check(_:)`` also looks the password up without it.
    public static func contains(_ password: String) -> Bool {
        entries.contains(lookupKey(password))
    }

    /// How many passwords the list holds.
    public static var count: Int { entries.count }

    /// The form a password is looked up in: NFC, lower-cased, NFC again (lower-casing can
    /// decompose a character, as it does `İ`).
    static func lookupKey(_ password: String) -> String {
        AccountValidation.normalize(AccountValidation.normalize(password).lowercased())
    }

    /// How many times the list has been parsed: once per process, at the first lookup.
    static let parses = Mutex(0)

    /// The parsed list. A static stored property is initialised lazily, exactly once, and safely
    /// when several threads reach it first at the same time.
    private static let entries: Set<String> = {
        parses.withLock { $0 += 1 }
        return Set(listText.split(separator: "\n").map(String.init))
    }()
}
