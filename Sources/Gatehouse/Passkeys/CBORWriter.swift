/// The canonical encoder of ``CBORValue``: shortest heads, definite lengths, map entries in their
/// stored order. Because ``CBORReader`` accepts only this form, `encode(decode(x)) == x` for every
/// accepted `x`; the fuzzer checks exactly that.
@_spi(Fuzzing) public enum CBORWriter {
    /// The encoding of `value`.
    @_spi(Fuzzing) public static func encode(_ value: CBORValue) -> [UInt8] {
        var output = [UInt8]()
        append(value, to: &output)
        return output
    }

    static func append(_ value: CBORValue, to output: inout [UInt8]) {
        switch value {
        case .integer(let value):
            if value >= 0 {
                appendHead(major: 0, argument: UInt64(value), to: &output)
            } else {
                // -1 - Int64.min is Int64.max: no overflow.
                appendHead(major: 1, argument: UInt64(-1 - value), to: &output)
            }
        case .bytes(let bytes):
            appendHead(major: 2, argument: UInt64(bytes.count), to: &output)
            output.append(contentsOf: bytes)
        case .text(let text):
            appendHead(major: 3, argument: UInt64(text.utf8.count), to: &output)
            output.append(contentsOf: text.utf8)
        case .array(let elements):
            appendHead(major: 4, argument: UInt64(elements.count), to: &output)
            for element in elements { append(element, to: &output) }
        case .map(let map):
            appendHead(major: 5, argument: UInt64(map.count), to: &output)
            for entry in map.entries {
                append(entry.key, to: &output)
                append(entry.value, to: &output)
            }
        case .bool(let value):
            output.append(value ? 0xF5 : 0xF4)
        case .null:
            output.append(0xF6)
        }
    }

    private static func appendHead(major: UInt8, argument: UInt64, to output: inout [UInt8]) {
        let type = major << 5
        let width: Int
        switch argument {
        case 0..<24:
            output.append(type | UInt8(argument))
            return
        case 24...0xFF:
            output.append(type | 24)
            width = 1
        case 0x100...0xFFFF:
            output.append(type | 25)
            width = 2
        case 0x1_0000...0xFFFF_FFFF:
            output.append(type | 26)
            width = 4
        default:
            output.append(type | 27)
            width = 8
        }
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            output.append(UInt8(truncatingIfNeeded: argument >> UInt64(shift)))
        }
    }
}
