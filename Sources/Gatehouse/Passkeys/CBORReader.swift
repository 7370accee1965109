/// A strict CBOR (RFC 8949) reader for WebAuthn: authenticator data, attestation objects and COSE keys.
///
/// It reads only what those use, in the canonical form CTAP2 prescribes, so that every accepted input
/// has exactly one meaning and one encoding:
///
/// - definite lengths only; no tags, no floats; of the simple values only `false`, `true` and `null`;
/// - integers and lengths in their shortest form, integers within `Int64`;
/// - text strings valid UTF-8, map keys distinct;
/// - arrays and maps nested at most ``maximumDepth`` deep.
///
/// Each declared length is checked against what is left of the input before anything is allocated,
/// so a hostile length costs nothing. Every refusal is a ``CBORError``; no input traps.
public struct CBORReader: Sendable {
    /// How deep arrays and maps may nest: a value inside 16 arrays is read, one inside 17 is refused.
    /// WebAuthn's deepest structure (extensions inside authenticator data) needs far less; the limit
    /// bounds the reader's recursion.
    public static let maximumDepth = 16

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Decodes `bytes`, which must hold exactly one item.
    public static func decode(_ bytes: some Collection<UInt8>) throws(CBORError) -> CBORValue {
        let (value, byteCount) = try decodePrefix(bytes)
        guard byteCount == bytes.count else { throw .trailingBytes }
        return value
    }

    /// Decodes the one item `bytes` starts with and returns it with the number of bytes it took; the
    /// bytes after it are left alone. Authenticator data needs this: a COSE key is followed by
    /// extensions, and only decoding the key says where it ends.
    public static func decodePrefix(_ bytes: some Collection<UInt8>) throws(CBORError) -> (value: CBORValue, byteCount: Int) {
        var reader = CBORReader(bytes: Array(bytes))
        let value = try reader.readValue(depth: 0)
        return (value, reader.index)
    }

    private var remaining: Int { bytes.count - index }

    private mutating func readByte() throws(CBORError) -> UInt8 {
        guard index < bytes.count else { throw .truncated }
        let byte = bytes[index]
        index += 1
        return byte
    }

    /// Reads one item; `depth` is the number of arrays and maps around it.
    private mutating func readValue(depth: Int) throws(CBORError) -> CBORValue {
        let initial = try readByte()
        let info = initial & 0x1F
        switch initial >> 5 {
        case 0:
            let value = try readInteger(info)
            return .integer(value)
        case 1:
            // -1 - n for n in 0...Int64.max stays within Int64.
            let argument = try readInteger(info)
            return .integer(-1 - argument)
        case 2:
            let count = try readLength(info, bytesPerElement: 1)
            return .bytes(take(count))
        case 3:
            let count = try readLength(info, bytesPerElement: 1)
            let utf8 = take(count)
            // Decoding repairs invalid sequences with U+FFFD; a text whose bytes changed was not UTF-8.
            let text = String(decoding: utf8, as: UTF8.self)
            guard text.utf8.elementsEqual(utf8) else { throw .invalidUTF8 }
            return .text(text)
        case 4:
            guard depth < Self.maximumDepth else { throw .nestingTooDeep }
            let count = try readLength(info, bytesPerElement: 1)
            var elements = [CBORValue]()
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try readValue(depth: depth + 1)) }
            return .array(elements)
        case 5:
            guard depth < Self.maximumDepth else { throw .nestingTooDeep }
            let count = try readLength(info, bytesPerElement: 2)
            var entries = [CBORMap.Entry]()
            entries.reserveCapacity(count)
            var keys = Set<CBORValue>()
            for _ in 0..<count {
                let key = try readValue(depth: depth + 1)
                guard keys.insert(key).inserted else { throw .duplicateMapKey }
                entries.append(CBORMap.Entry(key: key, value: try readValue(depth: depth + 1)))
            }
            return .map(CBORMap(uncheckedEntries: entries))
        case 6:
            throw .tagNotAllowed
        default:
            return try readSimple(info)
        }
    }

    /// Major type 7: of the simple values only `false`, `true` and `null`; never a float.
    private mutating func readSimple(_ info: UInt8) throws(CBORError) -> CBORValue {
        switch info {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 24:
            // A simple value in the next byte: none of them is allowed, but a missing byte is truncation.
            _ = try readByte()
            throw .unsupportedSimpleValue
        case 25, 26, 27: throw .floatNotAllowed
        case 28, 29, 30: throw .invalidAdditionalInformation
        case 31: throw .indefiniteLength
        default: throw .unsupportedSimpleValue
        }
    }

    /// The argument of an integer head, within `0...Int64.max`.
    private mutating func readInteger(_ info: UInt8) throws(CBORError) -> Int64 {
        guard info != 31 else { throw .invalidAdditionalInformation }
        let argument = try readArgument(info)
        guard argument <= UInt64(Int64.max) else { throw .integerOutOfRange }
        return Int64(argument)
    }

    /// The length of a string, array or map, at most what `remaining` bytes can hold when each element
    /// takes at least `bytesPerElement` bytes.
    private mutating func readLength(_ info: UInt8, bytesPerElement: Int) throws(CBORError) -> Int {
        let argument = try readArgument(info)
        // Compared before any conversion or allocation: a length of 2^63 fails here.
        guard argument <= UInt64(remaining / bytesPerElement) else { throw .lengthExceedsInput }
        return Int(argument)
    }

    /// The argument of a head: the additional information itself below 24, else the 1, 2, 4 or 8
    /// bytes after the initial byte, which must be the shortest form of the value.
    private mutating func readArgument(_ info: UInt8) throws(CBORError) -> UInt64 {
        let width: Int
        let smallest: UInt64
        switch info {
        case 0..<24: return UInt64(info)
        case 24:
            width = 1
            smallest = 24
        case 25:
            width = 2
            smallest = 0x100
        case 26:
            width = 4
            smallest = 0x1_0000
        case 27:
            width = 8
            smallest = 0x1_0000_0000
        case 31: throw .indefiniteLength
        default: throw .invalidAdditionalInformation
        }
        guard remaining >= width else { throw .truncated }
        var value: UInt64 = 0
        for _ in 0..<width {
            value = value << 8 | UInt64(bytes[index])
            index += 1
        }
        guard value >= smallest else { throw .nonCanonicalEncoding }
        return value
    }

    /// The next `count` bytes; `count` has been checked against `remaining`.
    private mutating func take(_ count: Int) -> [UInt8] {
        let slice = Array(bytes[index..<index + count])
        index += count
        return slice
    }
}
