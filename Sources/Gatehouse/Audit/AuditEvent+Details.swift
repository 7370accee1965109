import Foundation

extension AuditEvent {
    /// ``details`` as the JSON object text a store keeps, with sorted keys.
    package var detailsJSON: String {
        guard !details.isEmpty else { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A dictionary of strings always encodes.
        return (try? encoder.encode(details)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The details a store kept as JSON text, or `nil` when the text is not a JSON object of strings.
    package static func details(fromJSON text: String) -> [String: String]? {
        if text == "{}" { return [:] }
        return try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
