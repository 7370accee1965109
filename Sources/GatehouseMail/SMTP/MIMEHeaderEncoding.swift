import Foundation

/// Writes header fields (RFC 5322) whose values may hold any text: text that is not plain printable
/// ASCII becomes RFC 2047 encoded-words (`=?utf-8?B?…?=`), and long values are folded, so every line
/// stays within 78 characters where the value allows it and never reaches 998.
///
/// Line breaks and other control characters in a value become spaces: a value can never start a new
/// header field.
enum MIMEHeaderEncoding {
    /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters long.
    static let preferredLineLength = 78
    /// Input bytes per encoded-word: 39 bytes become 52 base64 characters, a 64-character word.
    static let bytesPerEncodedWord = 39
    /// A plain word longer than this is sent encoded, since no fold could keep its line short.
    static let longestPlainWord = 70

    /// A header field, folded: `Name: value` with CRLF before a space wherever a line would grow past
    /// 78 characters, and a final CRLF.
    static func field(_ name: String, words: [String]) -> String {
        var output = name + ":"
        var lineLength = output.count
        for word in words {
            if lineLength + 1 + word.count > preferredLineLength, lineLength > name.count + 1 {
                output += "\r\n"
                lineLength = 0
            }
            output += " " + word
            lineLength += 1 + word.count
        }
        return output + "\r\n"
    }

    /// `Subject: …`, folded, encoded when it is not plain ASCII.
    static func subjectField(_ subject: String) -> String {
        field("Subject", words: unstructuredWords(sanitized(subject)))
    }

    /// A mailbox header field (`From`, `To`): the display name, if any (plain, quoted or encoded), then
    /// `<address>`.
    static func mailboxField(_ name: String, _ mailbox: SMTPMailbox) -> String {
        guard let displayName = mailbox.displayName.map(sanitized), !displayName.isEmpty else {
            return field(name, words: [mailbox.address])
        }
        return field(name, words: phraseWords(displayName) + ["<\(mailbox.address)>"])
    }

    /// The words of an unstructured value (such as a subject): its own words when it is printable ASCII
    /// with no word too long, otherwise encoded-words.
    static func unstructuredWords(_ text: String) -> [String] {
        if text.isEmpty { return [] }
        if isPlain(text) {
            let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if words.allSatisfy({ $0.count <= longestPlainWord }) {
                return mergingEmptyWords(words)
            }
        }
        return encodedWords(text)
    }

    /// The words of a display name: atoms as they are, a quoted string when the name holds special
    /// characters, encoded-words when it is not printable ASCII.
    static func phraseWords(_ name: String) -> [String] {
        guard isPlain(name) else { return encodedWords(name) }
        let words = name.split(separator: " ").map(String.init)
        if words.allSatisfy({ word in word.count <= longestPlainWord && word.utf8.allSatisfy(isAtext) }) {
            return words
        }
        let quoted = "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        return quoted.count <= longestPlainWord ? [quoted] : encodedWords(name)
    }

    /// `text` as base64 encoded-words of at most ``bytesPerEncodedWord`` bytes each, split between
    /// characters (or, for a character longer than that, between its Unicode scalars).
    static func encodedWords(_ text: String) -> [String] {
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        func add(_ bytes: [UInt8]) {
            if !current.isEmpty, current.count + bytes.count > bytesPerEncodedWord {
                chunks.append(current)
                current = []
            }
            current += bytes
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= bytesPerEncodedWord {
                add(bytes)
            } else {
                for scalar in character.unicodeScalars { add(Array(String(scalar).utf8)) }
            }
        }
        if !current.isEmpty || chunks.isEmpty { chunks.append(current) }
        return chunks.map { "=?utf-8?B?" + Data($0).base64EncodedString() + "?=" }
    }

    /// `text` with each line break (CRLF, LF or CR) and every other control character replaced by a
    /// space.
    static func sanitized(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            if scalar == "\n" && previousWasCR { continue }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}" {
                output.append(" ")
            } else {
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// Printable ASCII without anything a reader could take for an encoded-word.
    private static func isPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x20...0x7E).contains($0) } && !text.contains("=?")
    }

    /// RFC 5322 `atext`.
    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
        }
    }

    /// Runs of spaces survive folding as one word holding the extra spaces, rather than empty words.
    private static func mergingEmptyWords(_ words: [String]) -> [String] {
        var merged: [String] = []
        var pendingSpaces = ""
        for word in words {
            if word.isEmpty {
                pendingSpaces += " "
            } else {
                merged.append(pendingSpaces + word)
                pendingSpaces = ""
            }
        }
        if !pendingSpaces.isEmpty {
            if merged.isEmpty { merged.append(String(pendingSpaces.dropFirst())) } else { merged[merged.count - 1] += pendingSpaces }
        }
        return merged
    }
}
