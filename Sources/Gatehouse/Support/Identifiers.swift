import Synchronization

import struct Foundation.Date

/// Identifiers for accounts and sessions: ULIDs (48-bit millisecond time + 80 random bits, Crockford
/// base32), the identifiers Powership uses. They sort by creation time, which the device list relies on.
package enum Identifiers {
    private static let crockford: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    package static func ulid(at date: Date, random: any RandomSource) -> String {
        encode(millis: millis(date), entropy: random.bytes(10))
    }

    /// The last ULID ``monotonicULID(at:random:)`` made: its time and its 80 random bits.
    private static let lastMonotonic = Mutex<(millis: UInt64, entropy: [UInt8])>((0, []))

    /// A ULID greater than every other this process made with this function: within one millisecond
    /// (or when the clock goes back) the previous one's random part plus one, so that records made one
    /// after the other — audit events, listed newest first by id — sort in the order they were made.
    package static func monotonicULID(at date: Date, random: any RandomSource) -> String {
        let now = millis(date)
        let (time, entropy) = lastMonotonic.withLock { last -> (UInt64, [UInt8]) in
            var next = (millis: now, entropy: random.bytes(10))
            if next.millis <= last.millis, last.entropy.count == 10 {
                next = (last.millis, last.entropy)
                if !increment(&next.entropy) { next.millis += 1 }
            }
            last = next
            return next
        }
        return encode(millis: time, entropy: entropy)
    }

    /// Adds one to a big-endian number; returns `false` when it wrapped around to zero.
    private static func increment(_ bytes: inout [UInt8]) -> Bool {
        for index in bytes.indices.reversed() {
            bytes[index] &+= 1
            if bytes[index] != 0 { return true }
        }
        return false
    }

    private static func millis(_ date: Date) -> UInt64 {
        UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    private static func encode(millis: UInt64, entropy: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: 26)
        var time = millis
        for index in stride(from: 9, through: 0, by: -1) {
            output[index] = crockford[Int(time & 31)]
            time >>= 5
        }
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
