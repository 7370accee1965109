import Foundation
import Gatehouse

/// Identifiers for the accounts and sessions the benchmarks write straight to a store: ULIDs, the
/// shape Gatehouse gives its own (26 Crockford base32 characters, a 48-bit millisecond time then 80
/// random bits), so that rows sort and index as a server's would.
enum BenchmarkIDs {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func ulid(at date: Date, random: any RandomSource) -> String {
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down))) & 0xFFFF_FFFF_FFFF
        let entropy = random.bytes(10)
        // The 128 bits as two halves: 48 time bits and 16 random bits, then the other 64 random bits.
        var high = milliseconds << 16 | UInt64(entropy[0]) << 8 | UInt64(entropy[1])
        var low: UInt64 = 0
        for byte in entropy[2...] { low = low << 8 | UInt64(byte) }
        // 26 characters of 5 bits cover 130 bits; the two leading bits are zero. Read from the end.
        var characters = [UInt8](repeating: 0, count: 26)
        for position in stride(from: 25, through: 0, by: -1) {
            characters[position] = alphabet[Int(low & 0x1F)]
            low = low >> 5 | (high & 0x1F) << 59
            high >>= 5
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
