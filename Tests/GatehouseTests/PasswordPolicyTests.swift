import Testing

@testable import Gatehouse

/// The rules for new passwords (NIST SP 800-63B): length after NFC, the common-password list, and
/// the list itself.
@Suite("PasswordPolicy")
struct PasswordPolicyTests {
    /// What `check` does with a password.
    enum Outcome: Hashable, Sendable, CustomStringConvertible {
        case accepted
        case tooShort
        case tooLong
        case common
        case otherError(String)

        var description: String {
            switch self {
            case .accepted: "accepted"
            case .tooShort: "too short"
            case .tooLong: "too long"
            case .common: "common"
            case .otherError(let error): error
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var password: String
        var expected: Outcome

        init(_ name: String, _ password: String, _ expected: Outcome) {
            self.name = name
            self.password = password
            self.expected = expected
        }

        var testDescription: String { "\(name): \(expected)" }
    }

    /// `AccountError` compares by code alone, so the outcome names the detail too.
    static func outcome(_ password: String, _ policy: PasswordPolicy = PasswordPolicy()) -> Outcome {
        do {
            _ = try policy.check(password)
            return .accepted
        } catch {
            if error.code == .weakPassword, error.detail == .passwordTooShort { return .tooShort }
            if error.code == .weakPassword, error.detail == .commonPassword { return .common }
            if error.code == .invalidRequest, error.detail == .password { return .tooLong }
            return .otherError(error.description)
        }
    }

    /// The list as shipped, parsed here on its own (not through `CommonPasswords`).
    static let shippedEntries: [Substring] = CommonPasswords.listText.split(separator: "\n", omittingEmptySubsequences: false)

    // MARK: Length

    static let lengthRows: [Row] = [
        Row("empty", "", .tooShort),
        Row("7 characters", "kx7#mq2", .tooShort),
        Row("8 characters", "kx7#mq2p", .accepted),
        Row("8 code points, 7 after NFC (decomposed é)", "kx7#mq" + "e\u{0301}", .tooShort),
        Row("9 code points, 8 after NFC (decomposed é)", "kx7#mqp" + "e\u{0301}", .accepted),
        Row("8 characters, precomposed é", "kx7#mqp\u{00E9}", .accepted),
        Row("4 emoji: 8 UTF-16 units but 4 characters", String(repeating: "🐳", count: 4), .tooShort),
        Row("8 emoji", String(repeating: "🐳", count: 8), .accepted),
        Row("7 characters and a space: whitespace counts", "kx7#mq2 ", .accepted),
        Row("200 characters", String(repeating: "kx7#mq2p", count: 25), .accepted),
        Row("201 characters", String(repeating: "kx7#mq2p", count: 25) + "z", .tooLong),
        Row("100 emoji: 200 UTF-16 units", String(repeating: "🐳", count: 100), .accepted),
        Row("101 emoji: 202 UTF-16 units", String(repeating: "🐳", count: 101), .tooLong),
        Row("400 code points, 200 after NFC", String(repeating: "e\u{0301}", count: 200), .accepted),
        Row("10,000 characters", String(repeating: "kx7#mq2p", count: 1250), .tooLong),
    ]

    @Test(arguments: lengthRows)
    func lengthIsCountedAfterNFC(_ row: Row) {
        #expect(Self.outcome(row.password) == row.expected)
    }

    // MARK: Common passwords

    /// Passwords whose lower-cased form is on the list, 8 characters or longer, typed in various cases.
    static let listedPasswords = [
        "password", "Password", "Password1", "PASSWORD123", "qwertyuiop", "QwErTyUiOp", "iloveyou", "ILoveYou",
        "trustno1", "1qaz2wsx", "1QAZ2WSX", "Sunshine", "baseball", "12345678", "passw0rd", "Abcd1234", "qwerty123",
        "whatever", "football", "blink182", "starwars",
    ]

    @Test(arguments: listedPasswords)
    func listedPasswordsAreRefusedWhateverTheirCase(_ password: String) throws {
        #expect(password.count >= 8)
        #expect(Self.shippedEntries.contains(Substring(password.lowercased())))
        #expect(CommonPasswords.contains(password))
        #expect(Self.outcome(password) == .common)
    }

    static let whitespaceRows: [Row] = [
        Row("leading space", " password", .common),
        Row("trailing spaces", "Password1  ", .common),
        Row("tab and newline", "\tqwertyuiop\n", .common),
        Row("no-break and ideographic spaces", "\u{00A0}iloveyou\u{3000}", .common),
        Row("a short listed password padded to 10", "  123456  ", .common),
        Row("a short listed password padded to 8", "dragon  ", .common),
        Row("whitespace inside is kept", "pass word", .accepted),
        Row("a listed password inside a longer one", "my password is long", .accepted),
    ]

    @Test(arguments: whitespaceRows)
    func surroundingWhitespaceDoesNotHideAListedPassword(_ row: Row) {
        #expect(Self.outcome(row.password) == row.expected)
    }

    @Test func lookupIgnoresCaseAfterNFC() {
        // U+212A KELVIN SIGN is "K" under NFC: "KILLER" in that spelling is the listed "killer".
        #expect(CommonPasswords.contains("\u{212A}ILLER"))
        #expect(CommonPasswords.contains("KiLLeR"))
        #expect(!CommonPasswords.contains("killer "))
        #expect(!CommonPasswords.contains("kx7#mq2p"))
    }

    // MARK: Accepted passwords

    @Test(arguments: ["correct horse battery staple", "Tr0ub4dor&3 is not my password", "kx7#mq2p", "🐳🐋🦈🐬🐟🐠🐡🦭"])
    func strongPasswordsAreAccepted(_ password: String) throws {
        #expect(try PasswordPolicy().check(password) == password)
    }

    @Test func acceptedPasswordIsReturnedInNFC() throws {
        let decomposed = "Cre\u{0300}me bru\u{0302}le\u{0301}e au cafe\u{0301}"
        let checked = try PasswordPolicy().check(decomposed)
        #expect(checked == "Cr\u{00E8}me br\u{00FB}l\u{00E9}e au caf\u{00E9}")
        #expect(checked.unicodeScalars.elementsEqual("Cr\u{00E8}me br\u{00FB}l\u{00E9}e au caf\u{00E9}".unicodeScalars))
        #expect(checked == AccountValidation.normalize(decomposed))
    }

    // MARK: Settings

    @Test func defaultsFollowNIST() {
        let policy = PasswordPolicy()
        #expect(policy.minimumLength == 8)
        #expect(policy.maximumLength == 200)
        #expect(policy.refusesCommonPasswords)
    }

    @Test func listCanBeTurnedOff() throws {
        let policy = PasswordPolicy(refusesCommonPasswords: false)
        #expect(try policy.check("Password1") == "Password1")
        #expect(Self.outcome("kx7#mq2", policy) == .tooShort)
    }

    @Test(arguments: [
        (11, "kx7#mq2pkx7", Outcome.tooShort),
        (12, "kx7#mq2pkx7#", Outcome.accepted),
        (12, "password1234", Outcome.common),
    ])
    func minimumLengthCanBeRaised(_ length: Int, _ password: String, _ expected: Outcome) {
        let policy = PasswordPolicy(minimumLength: 12)
        #expect(password.count == length)
        #expect(Self.outcome(password, policy) == expected)
    }

    @Test func maximumLengthCanBeLowered() {
        let policy = PasswordPolicy(maximumLength: 16)
        #expect(Self.outcome(String(repeating: "kx7#", count: 4), policy) == .accepted)
        #expect(Self.outcome(String(repeating: "kx7#", count: 4) + "z", policy) == .tooLong)
    }

    // MARK: The list

    @Test func listHoldsAtLeastTenThousandPasswordsOfEightCharactersOrMore() {
        #expect(CommonPasswords.count >= 10_000)
        #expect(CommonPasswords.count == Self.shippedEntries.count)
        #expect(Self.shippedEntries.filter { $0.unicodeScalars.count >= 8 }.count >= 10_000)
    }

    @Test func listIsInFrequencyOrderAndWellFormed() {
        #expect(Self.shippedEntries.prefix(3) == ["123456", "password", "12345678"])
        #expect(Set(Self.shippedEntries).count == Self.shippedEntries.count)
        let malformed = Self.shippedEntries.map(String.init).filter { entry in
            entry.isEmpty || entry != CommonPasswords.lookupKey(entry) || entry.first?.isWhitespace == true
                || entry.last?.isWhitespace == true
        }
        #expect(malformed == [])
        #expect(Self.shippedEntries.allSatisfy { CommonPasswords.contains(String($0)) })
    }

    // MARK: Cost and concurrency

    /// Cheap enough for every request: 10,000 checks finish in a blink even in a debug build.
    @Test func tenThousandLookups() {
        let probes = ["Password1", "kx7#mq2p", " qwertyuiop ", "correct horse battery staple", "abcd1234", "🐳🐋🦈🐬🐟🐠🐡🦭", "x"]
        let expected: [Outcome] = [.common, .accepted, .common, .accepted, .common, .accepted, .tooShort]
        var mismatches = 0
        var refusedAsCommon = 0
        for index in 0..<10_000 {
            let probe = index % probes.count
            let outcome = Self.outcome(probes[probe])
            if outcome != expected[probe] { mismatches += 1 }
            if outcome == .common { refusedAsCommon += 1 }
        }
        #expect(mismatches == 0)
        // Probes 0, 2 and 4 are listed: 1,429 + 1,429 + 1,428 of the 10,000 checks.
        #expect(refusedAsCommon == 4286)
    }

    /// Many tasks reaching the list at once: one parse, the same answers everywhere.
    @Test func concurrentFirstLookupsParseOnceAndAgree() async {
        let probes = ["password", "Password1", "kx7#mq2p", "QWERTYUIOP", "correct horse battery staple", "123456", "kx7#mq2"]
        let expected = probes.map { Self.shippedEntries.contains(Substring($0.lowercased())) }
        #expect(expected == [true, true, false, true, false, true, false])
        let answers = await withTaskGroup(of: [Bool].self) { group in
            for _ in 0..<64 {
                group.addTask { probes.map { CommonPasswords.contains($0) } }
            }
            return await group.reduce(into: [[Bool]]()) { $0.append($1) }
        }
        #expect(answers.count == 64)
        #expect(answers.allSatisfy { $0 == expected })
        #expect(CommonPasswords.parses.withLock { $0 } == 1)
        #expect(CommonPasswords.count == Self.shippedEntries.count)
    }
}
