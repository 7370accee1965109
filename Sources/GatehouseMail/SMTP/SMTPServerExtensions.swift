/// What a server offers, as its reply to `EHLO` lists it: one keyword a line after the greeting line
/// (RFC 5321 §4.1.1.1), such as `STARTTLS` or `AUTH PLAIN LOGIN`. A server that only answered `HELO`
/// offers nothing.
struct SMTPServerExtensions: Sendable, Equatable {
    /// Each offered keyword, upper-cased, with its parameters.
    private(set) var keywords: [String: [String]] = [:]

    /// Nothing offered (a `HELO` session).
    init() {}

    /// Reads the reply to `EHLO`.
    init(ehloReply reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.uppercased() }
            guard var keyword = words.first else { continue }
            var parameters = Array(words.dropFirst())
            // Some servers still write the pre-standard `AUTH=LOGIN PLAIN`.
            if keyword.hasPrefix("AUTH=") {
                parameters.insert(String(keyword.dropFirst("AUTH=".count)), at: 0)
                keyword = "AUTH"
            }
            keywords[keyword, default: []].append(contentsOf: parameters)
        }
    }

    var offersStartTLS: Bool { keywords["STARTTLS"] != nil }

    /// The SASL mechanisms offered with `AUTH`, upper-cased.
    var authenticationMechanisms: Set<String> { Set(keywords["AUTH"] ?? []) }
}
