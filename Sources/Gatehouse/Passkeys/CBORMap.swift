/// A CBOR map: its entries in the order they were written, every key distinct.
///
/// Order is kept rather than sorted away so that re-encoding a decoded map gives back the bytes it
/// came from.
public struct CBORMap: Sendable, Hashable {
    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        public let key: CBORValue
        public let value: CBORValue

        public init(key: CBORValue, value: CBORValue) {
            self.key = key
            self.value = value
        }
    }

    /// The entries, in order.
    public let entries: [Entry]

    /// A map of `entries`; throws ``CBORError/duplicateMapKey`` when two keys are equal.
    public init(entries: [Entry]) throws(CBORError) {
        var seen = Set<CBORValue>()
        for entry in entries where !seen.insert(entry.key).inserted {
            throw .duplicateMapKey
        }
        self.entries = entries
    }

    /// For the reader, which has checked the keys as it read them.
    init(uncheckedEntries entries: [Entry]) {
        self.entries = entries
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// The value under `key`, or `nil`.
    public subscript(key: CBORValue) -> CBORValue? {
        entries.first { $0.key == key }?.value
    }

    /// The value under the integer key `key` (COSE labels), or `nil`.
    public subscript(key: Int64) -> CBORValue? {
        self[.integer(key)]
    }

    /// The value under the text key `key`, or `nil`.
    public subscript(key: String) -> CBORValue? {
        self[.text(key)]
    }
}
