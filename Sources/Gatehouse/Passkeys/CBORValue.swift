/// One item of the CBOR subset WebAuthn uses: integers that fit in `Int64`, byte and text strings,
/// arrays, maps, booleans and `null`.
///
/// Two values are equal when they encode to the same bytes: text strings compare by their UTF-8 bytes,
/// not by Unicode canonical equivalence as `String` does, so that two distinct map keys never count as
/// one and equality agrees with the canonical encoding.
public enum CBORValue: Sendable {
    /// An integer (major types 0 and 1).
    case integer(Int64)
    /// A byte string (major type 2).
    case bytes([UInt8])
    /// A text string (major type 3), valid UTF-8.
    case text(String)
    /// An array (major type 4).
    case array([CBORValue])
    /// A map (major type 5), in the order its entries were written.
    case map(CBORMap)
    /// `false` or `true`.
    case bool(Bool)
    /// `null`.
    case null

    /// The integer, or `nil` for any other kind of item.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The bytes of a byte string, or `nil` for any other kind of item.
    public var bytesValue: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    /// The text of a text string, or `nil` for any other kind of item.
    public var textValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The map, or `nil` for any other kind of item.
    public var mapValue: CBORMap? {
        if case .map(let value) = self { return value }
        return nil
    }
}

extension CBORValue: Hashable {
    public static func == (lhs: CBORValue, rhs: CBORValue) -> Bool {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.text(let a), .text(let b)): a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .integer(let value):
            hasher.combine(0)
            hasher.combine(value)
        case .bytes(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .text(let value):
            hasher.combine(2)
            hasher.combine(value.utf8.count)
            for byte in value.utf8 { hasher.combine(byte) }
        case .array(let value):
            hasher.combine(3)
            hasher.combine(value)
        case .map(let value):
            hasher.combine(4)
            hasher.combine(value)
        case .bool(let value):
            hasher.combine(5)
            hasher.combine(value)
        case .null:
            hasher.combine(6)
        }
    }
}
