/// A mailbox as a ``MailMessage`` writes it — `Name <local@domain>`, `"Name" <local@domain>` or a bare
/// `local@domain` — split into its display name and its address.
///
/// The address must be plain ASCII `local@domain` (a dot-atom local part; a domain name or an address
/// literal): no quoted local parts, and no internationalised addresses, since the client does not use
/// `SMTPUTF8`. Line breaks and other control characters are refused anywhere, so neither an SMTP
/// command nor a header can be split by an address.
struct SMTPMailbox: Sendable, Equatable {
    /// The display name, without quotes; `nil` when there is none.
    var displayName: String?
    /// The bare address, as it goes into `MAIL FROM:<…>` and `RCPT TO:<…>`.
    var address: String

    init(displayName: String?, address: String) {
        self.displayName = displayName
        self.address = address
    }

    /// Why a mailbox was refused.
    enum Problem: Error, Equatable, CustomStringConvertible {
        case lineBreak
        case controlCharacter
        case empty
        case notASCII
        case malformed

        var description: String {
            switch self {
            case .lineBreak: "it contains a line break"
            case .controlCharacter: "it contains a control character"
            case .empty: "it is empty"
            case .notASCII: "it is not ASCII"
            case .malformed: "it is not of the form local@domain"
            }
        }
    }

    /// Splits `text` into a display name and an address, and checks the address.
    init(parsing text: String) throws(Problem) {
        for scalar in text.unicodeScalars {
            if scalar == "\r" || scalar == "\n" || scalar == "\u{2028}" || scalar == "\u{2029}" || scalar == "\u{85}" {
                throw .lineBreak
            }
            if scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7F { throw .controlCharacter }
        }
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw .empty }

        let addressText: Substring
        if trimmed.hasSuffix(">") {
            guard let open = trimmed.lastIndex(of: "<") else { throw .malformed }
            addressText = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            displayName = try Self.displayName(from: trimmed[..<open])
        } else {
            guard !trimmed.contains("<"), !trimmed.contains(">") else { throw .malformed }
            addressText = trimmed[...]
            displayName = nil
        }
        address = try Self.checkedAddress(addressText.trimmingSpaces)
    }

    private static func displayName(from text: Substring) throws(Problem) -> String? {
        var name = text.trimmingSpaces
        guard !name.isEmpty else { return nil }
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            // A quoted string: drop the quotes and the backslashes that escape characters.
            var unquoted = ""
            var escaped = false
            for character in name.dropFirst().dropLast() {
                if escaped {
                    unquoted.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    unquoted.append(character)
                }
            }
            name = unquoted.trimmingSpaces
        } else if name.contains("<") || name.contains(">") || name.contains("\"") {
            throw .malformed
        }
        return name.isEmpty ? nil : name
    }

    private static func checkedAddress(_ address: String) throws(Problem) -> String {
        guard !address.isEmpty else { throw .empty }
        let bytes = Array(address.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { throw .notASCII }
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { throw .malformed }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64, local.allSatisfy(isLocalPartByte) else { throw .malformed }
        guard isDomain(domain) else { throw .malformed }
        return address
    }

    /// RFC 5322 `atext` and `.`.
    private static func isLocalPartByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-/=?^_`{|}~.".utf8).contains(byte)
        }
    }

    /// A domain name (labels of letters, digits, `-` and `_`, separated by single dots) or an address
    /// literal in brackets.
    private static func isDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        guard !domain.isEmpty, domain.count <= 255 else { return false }
        if domain.first == UInt8(ascii: "[") {
            guard domain.count > 2, domain.last == UInt8(ascii: "]") else { return false }
            return domain.dropFirst().dropLast().allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: ":"):
                    true
                default: false
                }
            }
        }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63
                && label.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                        UInt8(ascii: "-"), UInt8(ascii: "_"):
                        true
                    default: false
                    }
                }
        }
    }
}

extension StringProtocol {
    /// The text without spaces and tabs at either end.
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
