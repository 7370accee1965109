/// Unpadded base64url (RFC 4648 §5), written by hand: it sits on the token hot path, and a strict
/// decoder that rejects padding, whitespace and non-alphabet bytes is part of the token's attack surface.
package enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 0...63 for alphabet bytes, 0xFF for everything else.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    package static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
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
    package static func decode<Bytes: Collection>(_ text: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
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

    package static func decode(_ text: String) -> [UInt8]? {
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
        return decodeTable.withUnsafeBufferPointer { table in
            var written = 0
            var accumulator: UInt32 = 0
            var bits: UInt32 = 0
            for byte in text {
                let value = table[Int(byte)]
                if value == 0xFF { return nil }
                accumulator = accumulator << 6 | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output[written] = UInt8(truncatingIfNeeded: accumulator >> bits)
                    written += 1
                    accumulator &= (1 << bits) - 1
                }
            }
            return accumulator == 0 ? written : nil
        }
    }

    /// Appends the encoding of `bytes` to `output`.
    package static func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        output.reserveCapacity(output.count + encodedCount(bytes.count))
        alphabet.withUnsafeBufferPointer { alphabet in
            var index = 0
            while index + 3 <= bytes.count {
                let b0 = bytes[index], b1 = bytes[index + 1], b2 = bytes[index + 2]
                output.append(alphabet[Int(b0 >> 2)])
                output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                output.append(alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)])
                output.append(alphabet[Int(b2 & 0x3F)])
                index += 3
            }
            if index < bytes.count {
                let b0 = bytes[index]
                let b1: UInt8 = index + 1 < bytes.count ? bytes[index + 1] : 0
                output.append(alphabet[Int(b0 >> 2)])
                output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                if index + 1 < bytes.count { output.append(alphabet[Int((b1 & 0x0F) << 2)]) }
            }
        }
    }

    /// The length of the unpadded encoding of `count` bytes.
    package static func encodedCount(_ count: Int) -> Int {
        (count * 4 + 2) / 3
    }
}
