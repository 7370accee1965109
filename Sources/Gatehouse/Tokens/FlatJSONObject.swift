/// A strict reader for the only JSON Gatehouse accepts in a token: one flat object whose values are
/// strings or integers. Anything else — nesting, arrays, booleans, `null`, fractions, duplicate keys,
/// invalid UTF-8, trailing bytes, more than a handful of members — is refused, so a token header or
/// payload can mean exactly one thing.
@_spi(Fuzzing) public struct FlatJSONObject: Sendable {
    @_spi(Fuzzing) public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
    }

    @_spi(Fuzzing) public private(set) var members: [(key: String, value: Value)] = []

    @_spi(Fuzzing) public static let maximumMembers = 16

    @_spi(Fuzzing) public subscript(key: String) -> Value? {
        members.first { $0.key == key }?.value
    }

    @_spi(Fuzzing) public func string(_ key: String) -> String? {
        if case .string(let value)? = self[key] { return value }
        return nil
    }

    package func integer(_ key: String) -> Int64? {
        if case .integer(let value)? = self[key] { return value }
        return nil
    }

    /// Parses `bytes`, or returns `nil` when they are not exactly one flat object.
    @_spi(Fuzzing) public init?(parsing bytes: [UInt8]) {
        guard let parsed = bytes.withUnsafeBufferPointer({ FlatJSONObject(parsing: $0) }) else { return nil }
        self = parsed
    }

    /// Parses `bytes` in place (the token hot path decodes into a temporary buffer and parses there).
    package init?(parsing bytes: UnsafeBufferPointer<UInt8>) {
        var reader = Reader(bytes: bytes)
        guard let members = reader.readObject() else { return nil }
        self.members = members
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func readObject() -> [(key: String, value: Value)]? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var members: [(key: String, value: Value)] = []
            members.reserveCapacity(8)
            if consume(UInt8(ascii: "}")) { return atEnd() ? members : nil }
            repeat {
                skipWhitespace()
                guard members.count < FlatJSONObject.maximumMembers,
                    let key = readString(),
                    !members.contains(where: { $0.key == key }),
                    consume(UInt8(ascii: ":")),
                    let value = readValue()
                else { return nil }
                members.append((key, value))
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
            return atEnd() ? members : nil
        }

        mutating func atEnd() -> Bool {
            skipWhitespace()
            return index == bytes.count
        }

        mutating func readValue() -> Value? {
            skipWhitespace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") { return readString().map(Value.string) }
            return readInteger().map(Value.integer)
        }

        mutating func readInteger() -> Int64? {
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            let start = index
            var value: Int64 = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                let digit = Int64(bytes[index] - 0x30)
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) = shifted.addingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { return nil }
                value = next
                index += 1
            }
            let digits = index - start
            // No empty number, no leading zeros (JSON forbids them), no fraction or exponent.
            guard digits > 0, !(digits > 1 && bytes[start] == 0x30) else { return nil }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                return nil
            }
            return negative ? -value : value
        }

        mutating func readString() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            // Strings without escapes (every string Gatehouse writes) become a String straight from the
            // input; the first backslash switches to the general decoder below.
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return Self.string(UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]))
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            var output = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: output, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = readUnicodeEscape() else { return nil }
                        output.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                case 0x00..<0x20:
                    return nil
                default:
                    output.append(byte)
                }
            }
            return nil
        }

        /// ASCII (all Gatehouse ever writes) needs no validation; anything else must be valid UTF-8.
        static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            var combined: UInt8 = 0
            for byte in bytes { combined |= byte }
            if combined < 0x80 { return String(decoding: bytes, as: UTF8.self) }
            return String(validating: bytes, as: UTF8.self)
        }

        mutating func readHex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        mutating func readUnicodeEscape() -> Unicode.Scalar? {
            guard let high = readHex4() else { return nil }
            if (0xD800...0xDBFF).contains(high) {
                guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    return nil
                }
                index += 2
                guard let low = readHex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(high)
        }
    }
}
