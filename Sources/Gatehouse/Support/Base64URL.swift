/// Unpadded base64url (RFC 4648 §5), written by hand: it sits on the token hot path, and a strict
/// decoder that rejects padding, whitespace and non-alphabet bytes is part of the token's attack surface.
@_spi(Fuzzing) public enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 0...63 for alphabet bytes, 0xFF for everything else.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    @_spi(Fuzzing) public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 {
                output.append(alphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)])
                if let b2 { output.append(alphabet[Int(b2 & 0x3F)]) }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes unpadded base64url; `nil` for any byte outside the alphabet, for a length that no
    /// encoding produces (4n+1), and for non-canonical trailing bits.
    @_spi(Fuzzing) public static func decode<Bytes: Collection>(_ text: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        let count = text.count
        if count % 4 == 1 { return nil }
        var output = [UInt8]()
        output.reserveCapacity(count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value = decodeTable[Int(byte)]
            if value == 0xFF { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits must be zero, so that each byte string has exactly one encoding.
        if accumulator != 0 { return nil }
        return output
    }

    @_spi(Fuzzing) public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    /// The number of bytes `count` characters of unpadded base64url decode to; `nil` for a length no
    /// encoding produces.
    package static func decodedCount(_ count: Int) -> Int? {
        count % 4 == 1 ? nil : count / 4 * 3 + max(0, count % 4 - 1)
    }

    /// Decodes `text` into the start of `output` (which must hold ``decodedCount(_:)`` bytes) and
    /// returns how many bytes it wrote, with the same strictness as ``decode(_:)``; no allocation.
    package static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard let expected = decodedCount(text.count), output.count >= expected else { return nil }
        return decodeTable.withUnsafeBufferPointer { table -> Int? in
            var written = 0
            var index = 0
            // Four characters make three bytes; one OR of the looked-up values finds any byte outside
            // the alphabet in the group.
            while index + 4 <= text.count {
                let v0 = table[Int(text[index])]
                let v1 = table[Int(text[index + 1])]
                let v2 = table[Int(text[index + 2])]
                let v3 = table[Int(text[index + 3])]
                guard (v0 | v1 | v2 | v3) & 0xC0 == 0 else { return nil }
                let group = UInt32(v0) << 18 | UInt32(v1) << 12 | UInt32(v2) << 6 | UInt32(v3)
                output[written] = UInt8(truncatingIfNeeded: group >> 16)
                output[written + 1] = UInt8(truncatingIfNeeded: group >> 8)
                output[written + 2] = UInt8(truncatingIfNeeded: group)
                written += 3
                index += 4
            }
            let rest = text.count - index
            guard rest > 0 else { return written }
            // Two or three characters left (one is rejected by `decodedCount`): one or two bytes, and
            // the bits past them must be zero so that each byte string has exactly one encoding.
            let v0 = table[Int(text[index])]
            let v1 = table[Int(text[index + 1])]
            let v2 = rest == 3 ? table[Int(text[index + 2])] : 0
            guard (v0 | v1 | v2) & 0xC0 == 0 else { return nil }
            let group = UInt32(v0) << 18 | UInt32(v1) << 12 | UInt32(v2) << 6
            output[written] = UInt8(truncatingIfNeeded: group >> 16)
            if rest == 3 {
                output[written + 1] = UInt8(truncatingIfNeeded: group >> 8)
                guard group & 0xFF == 0 else { return nil }
                return written + 2
            }
            guard group & 0xFFFF == 0 else { return nil }
            return written + 1
        }
    }

    /// Appends the encoding of `bytes` to `output`.
    package static func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let start = output.count
        // Grown once and written through a pointer: appending byte by byte checks capacity and
        // uniqueness for every character.
        output.append(contentsOf: repeatElement(0, count: encodedCount(bytes.count)))
        output.withUnsafeMutableBufferPointer { output in
            alphabet.withUnsafeBufferPointer { alphabet in
                var out = start
                var index = 0
                while index + 3 <= bytes.count {
                    let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                    output[out] = alphabet[Int(group >> 18)]
                    output[out + 1] = alphabet[Int(group >> 12 & 0x3F)]
                    output[out + 2] = alphabet[Int(group >> 6 & 0x3F)]
                    output[out + 3] = alphabet[Int(group & 0x3F)]
                    out += 4
                    index += 3
                }
                if index < bytes.count {
                    let b0 = bytes[index]
                    let b1: UInt8 = index + 1 < bytes.count ? bytes[index + 1] : 0
                    output[out] = alphabet[Int(b0 >> 2)]
                    output[out + 1] = alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)]
                    if index + 1 < bytes.count { output[out + 2] = alphabet[Int((b1 & 0x0F) << 2)] }
                }
            }
        }
    }

    /// The length of the unpadded encoding of `count` bytes.
    package static func encodedCount(_ count: Int) -> Int {
        (count * 4 + 2) / 3
    }
}
