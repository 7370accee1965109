import Testing

@_spi(Fuzzing) @testable import Gatehouse

@Suite("Passkeys: CBOR reader")
struct CBORReaderTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var hex: String
        var expected: CBORValue
        var testDescription: String { name }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var expected: CBORError
        var testDescription: String { name }

        init(_ name: String, _ hex: String, _ expected: CBORError) {
            self.init(name, bytes: hexBytes(hex), expected)
        }

        init(_ name: String, bytes: [UInt8], _ expected: CBORError) {
            self.name = name
            self.bytes = bytes
            self.expected = expected
        }
    }

    static func map(_ entries: [(CBORValue, CBORValue)]) -> CBORValue {
        .map(try! CBORMap(entries: entries.map { CBORMap.Entry(key: $0.0, value: $0.1) }))
    }

    /// RFC 8949 Appendix A: the examples inside the subset WebAuthn uses.
    static let appendixA: [Vector] = [
        Vector(name: "0", hex: "00", expected: .integer(0)),
        Vector(name: "1", hex: "01", expected: .integer(1)),
        Vector(name: "10", hex: "0a", expected: .integer(10)),
        Vector(name: "23", hex: "17", expected: .integer(23)),
        Vector(name: "24", hex: "1818", expected: .integer(24)),
        Vector(name: "25", hex: "1819", expected: .integer(25)),
        Vector(name: "100", hex: "1864", expected: .integer(100)),
        Vector(name: "1000", hex: "1903e8", expected: .integer(1000)),
        Vector(name: "1000000", hex: "1a000f4240", expected: .integer(1_000_000)),
        Vector(name: "1000000000000", hex: "1b000000e8d4a51000", expected: .integer(1_000_000_000_000)),
        Vector(name: "-1", hex: "20", expected: .integer(-1)),
        Vector(name: "-10", hex: "29", expected: .integer(-10)),
        Vector(name: "-100", hex: "3863", expected: .integer(-100)),
        Vector(name: "-1000", hex: "3903e7", expected: .integer(-1000)),
        Vector(name: "false", hex: "f4", expected: .bool(false)),
        Vector(name: "true", hex: "f5", expected: .bool(true)),
        Vector(name: "null", hex: "f6", expected: .null),
        Vector(name: "h''", hex: "40", expected: .bytes([])),
        Vector(name: "h'01020304'", hex: "4401020304", expected: .bytes([1, 2, 3, 4])),
        Vector(name: "\"\"", hex: "60", expected: .text("")),
        Vector(name: "\"a\"", hex: "6161", expected: .text("a")),
        Vector(name: "\"IETF\"", hex: "6449455446", expected: .text("IETF")),
        Vector(name: "quote and backslash", hex: "62225c", expected: .text("\"\\")),
        Vector(name: "u-umlaut", hex: "62c3bc", expected: .text("\u{fc}")),
        Vector(name: "water", hex: "63e6b0b4", expected: .text("\u{6c34}")),
        Vector(name: "astral", hex: "64f0908591", expected: .text("\u{10151}")),
        Vector(name: "[]", hex: "80", expected: .array([])),
        Vector(name: "[1, 2, 3]", hex: "83010203", expected: .array([.integer(1), .integer(2), .integer(3)])),
        Vector(
            name: "[1, [2, 3], [4, 5]]",
            hex: "8301820203820405",
            expected: .array([.integer(1), .array([.integer(2), .integer(3)]), .array([.integer(4), .integer(5)])])
        ),
        Vector(
            name: "[1 ... 25]",
            hex: "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
            expected: .array((1...25).map { .integer($0) })
        ),
        Vector(name: "{}", hex: "a0", expected: map([])),
        Vector(name: "{1: 2, 3: 4}", hex: "a201020304", expected: map([(.integer(1), .integer(2)), (.integer(3), .integer(4))])),
        Vector(
            name: "{\"a\": 1, \"b\": [2, 3]}",
            hex: "a26161016162820203",
            expected: map([(.text("a"), .integer(1)), (.text("b"), .array([.integer(2), .integer(3)]))])
        ),
        Vector(name: "[\"a\", {\"b\": \"c\"}]", hex: "826161a161626163", expected: .array([.text("a"), map([(.text("b"), .text("c"))])])),
        Vector(
            name: "{\"a\": \"A\" ... \"e\": \"E\"}",
            hex: "a56161614161626142616361436164614461656145",
            expected: map(["a", "b", "c", "d", "e"].map { (.text($0), .text($0.uppercased())) })
        ),
        Vector(name: "Int64.max", hex: "1b7fffffffffffffff", expected: .integer(.max)),
        Vector(name: "Int64.min", hex: "3b7fffffffffffffff", expected: .integer(.min)),
    ]

    @Test(arguments: appendixA)
    func appendixAVectorsDecode(_ vector: Vector) throws {
        let bytes = hexBytes(vector.hex)
        #expect(try CBORReader.decode(bytes) == vector.expected)
        // The subset is canonical: re-encoding gives back the bytes, from both writers.
        #expect(CBORWriter.encode(vector.expected) == bytes)
    }

    /// RFC 8949 Appendix A: the examples outside the subset, each refused for its own reason.
    static let unsupportedAppendixA: [Refusal] = [
        Refusal("18446744073709551615", "1bffffffffffffffff", .integerOutOfRange),
        Refusal("-18446744073709551616", "3bffffffffffffffff", .integerOutOfRange),
        Refusal("bignum 18446744073709551616", "c249010000000000000000", .tagNotAllowed),
        Refusal("bignum -18446744073709551617", "c349010000000000000000", .tagNotAllowed),
        Refusal("0.0", "f90000", .floatNotAllowed),
        Refusal("-0.0", "f98000", .floatNotAllowed),
        Refusal("1.0", "f93c00", .floatNotAllowed),
        Refusal("1.1", "fb3ff199999999999a", .floatNotAllowed),
        Refusal("1.5", "f93e00", .floatNotAllowed),
        Refusal("65504.0", "f97bff", .floatNotAllowed),
        Refusal("100000.0", "fa47c35000", .floatNotAllowed),
        Refusal("3.4028234663852886e+38", "fa7f7fffff", .floatNotAllowed),
        Refusal("1.0e+300", "fb7e37e43c8800759c", .floatNotAllowed),
        Refusal("5.960464477539063e-8", "f90001", .floatNotAllowed),
        Refusal("0.00006103515625", "f90400", .floatNotAllowed),
        Refusal("-4.0", "f9c400", .floatNotAllowed),
        Refusal("-4.1", "fbc010666666666666", .floatNotAllowed),
        Refusal("Infinity (half)", "f97c00", .floatNotAllowed),
        Refusal("NaN (half)", "f97e00", .floatNotAllowed),
        Refusal("-Infinity (half)", "f9fc00", .floatNotAllowed),
        Refusal("Infinity (single)", "fa7f800000", .floatNotAllowed),
        Refusal("NaN (single)", "fa7fc00000", .floatNotAllowed),
        Refusal("-Infinity (single)", "faff800000", .floatNotAllowed),
        Refusal("Infinity (double)", "fb7ff0000000000000", .floatNotAllowed),
        Refusal("NaN (double)", "fb7ff8000000000000", .floatNotAllowed),
        Refusal("-Infinity (double)", "fbfff0000000000000", .floatNotAllowed),
        Refusal("undefined", "f7", .unsupportedSimpleValue),
        Refusal("simple(16)", "f0", .unsupportedSimpleValue),
        Refusal("simple(255)", "f8ff", .unsupportedSimpleValue),
        Refusal("tag 0 date-time", "c074323031332d30332d32315432303a30343a30305a", .tagNotAllowed),
        Refusal("tag 1 integer", "c11a514b67b0", .tagNotAllowed),
        Refusal("tag 1 float", "c1fb41d452d9ec200000", .tagNotAllowed),
        Refusal("tag 23", "d74401020304", .tagNotAllowed),
        Refusal("tag 24", "d818456449455446", .tagNotAllowed),
        Refusal("tag 32 URI", "d82076687474703a2f2f7777772e6578616d706c652e636f6d", .tagNotAllowed),
        Refusal("(_ h'0102', h'030405')", "5f42010243030405ff", .indefiniteLength),
        Refusal("(_ \"strea\", \"ming\")", "7f657374726561646d696e67ff", .indefiniteLength),
        Refusal("[_ ]", "9fff", .indefiniteLength),
        Refusal("[_ 1, [2, 3], [_ 4, 5]]", "9f018202039f0405ffff", .indefiniteLength),
        Refusal("[_ 1, [2, 3], [4, 5]]", "9f01820203820405ff", .indefiniteLength),
        Refusal("[1, [2, 3], [_ 4, 5]]", "83018202039f0405ff", .indefiniteLength),
        Refusal("[1, [_ 2, 3], [4, 5]]", "83019f0203ff820405", .indefiniteLength),
        Refusal("[_ 1 ... 25]", "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", .indefiniteLength),
        Refusal("{_ \"a\": 1, \"b\": [_ 2, 3]}", "bf61610161629f0203ffff", .indefiniteLength),
        Refusal("[\"a\", {_ \"b\": \"c\"}]", "826161bf61626163ff", .indefiniteLength),
        Refusal("{_ \"Fun\": true, \"Amt\": -2}", "bf6346756ef563416d7421ff", .indefiniteLength),
    ]

    @Test(arguments: unsupportedAppendixA)
    func appendixAVectorsOutsideTheSubsetAreRefused(_ refusal: Refusal) {
        #expect(throws: refusal.expected) { try CBORReader.decode(refusal.bytes) }
    }

    static let hostile: [Refusal] = [
        // Lengths no input could hold fail before any allocation.
        Refusal("byte string of 2^63 bytes", "5b8000000000000000", .lengthExceedsInput),
        Refusal("byte string of 2^64-1 bytes", "5bffffffffffffffff", .lengthExceedsInput),
        Refusal("text string of 2^63 bytes", "7b8000000000000000", .lengthExceedsInput),
        Refusal("array of 2^63 items", "9b8000000000000000", .lengthExceedsInput),
        Refusal("map of 2^64-1 entries", "bbffffffffffffffff", .lengthExceedsInput),
        Refusal("byte string of 4 GiB", "5affffffff00", .lengthExceedsInput),
        Refusal("byte string longer than the rest", "44010203", .lengthExceedsInput),
        Refusal("map of 2 entries in 3 bytes", "a2010203", .lengthExceedsInput),
        // Nesting.
        Refusal("17 nested arrays", bytes: [UInt8](repeating: 0x81, count: 17) + [0x00], .nestingTooDeep),
        Refusal("17 nested maps", bytes: Array([[UInt8]](repeating: [0xA1, 0x00], count: 17).joined()) + [0x00], .nestingTooDeep),
        Refusal("100000 nested arrays", bytes: [UInt8](repeating: 0x81, count: 100_000), .nestingTooDeep),
        // Truncation.
        Refusal("empty input", "", .truncated),
        Refusal("two-byte integer cut short", "1901", .truncated),
        Refusal("eight-byte integer cut short", "1b00000000", .truncated),
        Refusal("array whose last element is cut short", "820119", .truncated),
        Refusal("map whose value is cut short", "a1011901", .truncated),
        Refusal("array whose nested array is cut short", "8201830001", .lengthExceedsInput),
        Refusal("simple value byte missing", "f8", .truncated),
        // Keys.
        Refusal("duplicate integer keys", "a201020103", .duplicateMapKey),
        Refusal("duplicate text keys", "a2616101616102", .duplicateMapKey),
        Refusal("duplicate array keys", "a2820102f48201 02f5", .duplicateMapKey),
        Refusal("duplicate key in a nested map", "a101a2000100f6", .duplicateMapKey),
        // UTF-8.
        Refusal("lone continuation byte", "6180", .invalidUTF8),
        Refusal("0xFF in text", "61ff", .invalidUTF8),
        Refusal("overlong NUL", "62c080", .invalidUTF8),
        Refusal("UTF-16 surrogate", "63eda080", .invalidUTF8),
        Refusal("sequence cut by the length", "62e6b0", .invalidUTF8),
        Refusal("code point above U+10FFFF", "64f4908080", .invalidUTF8),
        // Trailing bytes.
        Refusal("two integers", "0000", .trailingBytes),
        Refusal("map then break", "a0ff", .trailingBytes),
        // Shortest form.
        Refusal("0 in one extra byte", "1800", .nonCanonicalEncoding),
        Refusal("23 in one extra byte", "1817", .nonCanonicalEncoding),
        Refusal("255 in two bytes", "1900ff", .nonCanonicalEncoding),
        Refusal("65535 in four bytes", "1a0000ffff", .nonCanonicalEncoding),
        Refusal("2^32-1 in eight bytes", "1b00000000ffffffff", .nonCanonicalEncoding),
        Refusal("-1 in one extra byte", "3800", .nonCanonicalEncoding),
        Refusal("byte string length in one extra byte", "580100", .nonCanonicalEncoding),
        Refusal("array length in two bytes", "99000100", .nonCanonicalEncoding),
        Refusal("map length in one extra byte", "b800", .nonCanonicalEncoding),
        // Heads.
        Refusal("integer with additional information 28", "1c", .invalidAdditionalInformation),
        Refusal("integer with additional information 31", "1f", .invalidAdditionalInformation),
        Refusal("byte string with additional information 30", "5e", .invalidAdditionalInformation),
        Refusal("simple with additional information 28", "fc", .invalidAdditionalInformation),
        Refusal("lone break", "ff", .indefiniteLength),
        Refusal("two-byte simple value below 32", "f814", .unsupportedSimpleValue),
        Refusal("2^63", "1b8000000000000000", .integerOutOfRange),
        Refusal("-2^63-1", "3b8000000000000000", .integerOutOfRange),
        Refusal("tag inside an array", "81c000", .tagNotAllowed),
        Refusal("undefined as a map value", "a101f7", .unsupportedSimpleValue),
    ]

    @Test(arguments: hostile)
    func hostileInputIsRefused(_ refusal: Refusal) {
        #expect(throws: refusal.expected) { try CBORReader.decode(refusal.bytes) }
    }

    @Test func sixteenNestedArraysAndMapsAreRead() throws {
        var arrays = try CBORReader.decode([UInt8](repeating: 0x81, count: 16) + [0x00])
        for _ in 0..<16 {
            guard case .array(let elements) = arrays, elements.count == 1 else {
                Issue.record("not an array of one")
                return
            }
            arrays = elements[0]
        }
        #expect(arrays == .integer(0))
        let maps = Array([[UInt8]](repeating: [0xA1, 0x00], count: 16).joined()) + [0x00]
        #expect(CBORWriter.encode(try CBORReader.decode(maps)) == maps)
    }

    @Test func prefixDecodingStopsAfterTheFirstItem() throws {
        let (value, byteCount) = try CBORReader.decodePrefix(hexBytes("a10102 ff ff"))
        #expect(value == Self.map([(.integer(1), .integer(2))]))
        #expect(byteCount == 3)
        #expect(throws: CBORError.trailingBytes) { try CBORReader.decode(hexBytes("a10102 ff ff")) }
        // The prefix itself is held to every rule.
        #expect(throws: CBORError.duplicateMapKey) { try CBORReader.decodePrefix(hexBytes("a2010201 03 00")) }
    }

    @Test func decodesAnyCollectionOfBytes() throws {
        let bytes = hexBytes("8301820203820405")
        #expect(try CBORReader.decode(bytes[...]) == CBORReader.decode(bytes))
        #expect(try CBORReader.decode(hexBytes("ff8301820203820405").dropFirst()) == CBORReader.decode(bytes))
    }

    @Test func textKeysCompareByBytesNotCanonicalEquivalence() throws {
        // "é" precomposed and decomposed: equal as Swift strings, distinct CBOR keys.
        let bytes = hexBytes("a2 62c3a9 01 63 65cc81 02")
        let map = try #require(try CBORReader.decode(bytes).mapValue)
        #expect(map.count == 2)
        #expect(map["\u{e9}"] == .integer(1))
        #expect(CBORWriter.encode(.map(map)) == bytes)
    }

    @Test func mapsRefuseDuplicateKeysWhenBuilt() {
        #expect(throws: CBORError.duplicateMapKey) {
            try CBORMap(entries: [.init(key: .integer(1), value: .null), .init(key: .integer(1), value: .bool(true))])
        }
    }

    @Test func theTestWriterAndTheReaderAgree() throws {
        let item = TestCBOR.map([
            .init(.int(-24), .bytes(Array(repeating: 7, count: 300))),
            .init(.text("k"), .array([.int(.max), .int(.min), .int(65_536), .bool(false), .null])),
        ])
        let value = try CBORReader.decode(item.encoded)
        #expect(CBORWriter.encode(value) == item.encoded)
        #expect(value.mapValue?[-24]?.bytesValue?.count == 300)
    }
}
