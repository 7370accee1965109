import struct Foundation.Date

/// Identifiers for accounts and sessions: ULIDs (48-bit millisecond time + 80 random bits, Crockford
/// base32), the identifiers Powership uses. They sort by creation time, which the device list relies on.
package enum Identifiers {
    private static let crockford: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    package static func ulid(at date: Date, random: any RandomSource) -> String {
        let millis = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        var output = [UInt8](repeating: 0, count: 26)
        var time = millis
        for index in stride(from: 9, through: 0, by: -1) {
            output[index] = crockford[Int(time & 31)]
            time >>= 5
        }
        let entropy = random.bytes(10)
        var accumulator: UInt32 = 0
        var bits = 0
        var position = 10
        for byte in entropy {
            accumulator = accumulator << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output[position] = crockford[Int((accumulator >> UInt32(bits)) & 31)]
                position += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `text` has the shape of a ULID (26 Crockford base32 characters).
    package static func isULID(_ text: String) -> Bool {
        let bytes = text.utf8
        return bytes.count == 26 && bytes.allSatisfy { crockford.contains($0) }
    }
}
