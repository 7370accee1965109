/// Usernames for accounts created by an identity provider's login, which names no username: derived
/// from what the provider says about the person, folded into the username rules, made unique by a
/// numeric suffix.
enum UsernameSuggestion {
    /// Candidates in the order they are tried: the provider's preferred username, the e-mail's local
    /// part, the name, then `user`; each cut to leave room for a suffix.
    static func base(for identity: ProviderIdentity) -> String {
        let sources = [identity.preferredUsername, identity.email.map { String($0.prefix { $0 != "@" }) }, identity.name]
        for source in sources.compactMap({ $0 }) {
            let folded = fold(source)
            if folded.count >= 3 { return folded }
        }
        return "user"
    }

    /// The `attempt`-th candidate: `base` itself first, then `base` with random digits, always 3 to 16
    /// characters.
    static func candidate(base: String, attempt: Int, random: any RandomSource) -> String {
        guard attempt > 0 else { return base }
        let digits = attempt < 3 ? 3 : 6
        let suffix = random.bytes(digits).map { String($0 % 10) }.joined()
        return String(base.prefix(16 - digits)) + suffix
    }

    /// Lower-case a-z, 0-9 and `_`; other characters dropped (spaces and dots become `_`), at most 12.
    private static func fold(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9", "_": result.unicodeScalars.append(scalar)
            case " ", ".", "-": if !result.isEmpty, result.last != "_" { result.append("_") }
            default: continue
            }
            if result.count == 12 { break }
        }
        while result.last == "_" { result.removeLast() }
        return result
    }
}
